"""`nbops run` and its internals: the runner (record start, execute, record finish), the papermill
child, the MLflow thread beside the kernel, the handoff of the MLflow run to the kernel, signals,
process lifetime, provenance, the report and the model card. Kept empty so the kernel's startup
import of `nbops.run.kernel_handoff` stays cheap.
"""
