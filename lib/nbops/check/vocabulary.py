"""What the leakage analysis knows about libraries: which names fit, split, resample, score."""

from __future__ import annotations

import re

FULL, TRAIN, TEST, VAL = "full", "train", "test", "val"
# Rows a name calls "train" that no split produced (Kaggle's train.csv): the labelled data, which
# a later split or cross-validation may still divide into training and held-out rows.
LABELLED = "labelled"


def words(text: str) -> frozenset[str]:
    """The whitespace-separated words of `text`."""
    return frozenset(text.split())


HELD_OUT = frozenset({TEST, VAL})
TRAINING = frozenset({TRAIN, LABELLED})

# Data-dependent transformers: fitted on data that reaches the test split, they leak.
TRANSFORMERS = words(
    "StandardScaler MinMaxScaler RobustScaler MaxAbsScaler QuantileTransformer PowerTransformer "
    "SimpleImputer Imputer KNNImputer IterativeImputer MissingIndicator TargetEncoder "
    "KBinsDiscretizer "
    "SelectKBest SelectPercentile SelectFpr SelectFdr SelectFwe GenericUnivariateSelect RFE RFECV "
    "VarianceThreshold SelectFromModel SequentialFeatureSelector PCA KernelPCA IncrementalPCA "
    "SparsePCA TruncatedSVD FastICA NMF FactorAnalysis LatentDirichletAllocation "
    "TfidfVectorizer CountVectorizer TfidfTransformer ColumnTransformer make_column_transformer "
    "Nystroem SplineTransformer"
)
# Functions that fit and transform in one call (`scale(X)`, `pd.qcut(col, 4)`).
SCALING_FUNCTIONS = words(
    "scale minmax_scale robust_scale maxabs_scale quantile_transform power_transform zscore qcut"
)
# Fitted on the full data they only learn the categories: a note, not a leak.
NOTE_ONLY = words("OneHotEncoder OrdinalEncoder LabelEncoder LabelBinarizer MultiLabelBinarizer")
# Vectorizers whose vocabulary is every word seen unless a keyword chooses it by frequency (then
# the vocabulary is a statistic of the rows): `CountVectorizer(max_features=...)`, Keras'
# `Tokenizer(num_words=...)`.
FREQUENCY_KEYWORDS = {
    "CountVectorizer": ("max_features", "min_df", "max_df"),
    "Tokenizer": ("num_words",),
}
# How a Keras `Tokenizer` is fitted and applied.
FIT_METHODS = words("fit fit_on_texts")
TRANSFORM_METHODS = words("transform inverse_transform texts_to_sequences texts_to_matrix")
OVERSAMPLERS = words(
    "SMOTE SMOTENC SMOTEN ADASYN BorderlineSMOTE SVMSMOTE KMeansSMOTE RandomOverSampler "
    "SMOTEENN SMOTETomek"
)
# imblearn's under-samplers keep a subset of the rows (or, ClusterCentroids, fewer rows
# summarising them): done before the split they copy no test row into training.
UNDERSAMPLERS = words(
    "RandomUnderSampler NearMiss TomekLinks EditedNearestNeighbours "
    "RepeatedEditedNearestNeighbours AllKNN CondensedNearestNeighbour OneSidedSelection "
    "NeighbourhoodCleaningRule InstanceHardnessThreshold ClusterCentroids"
)
SEARCHES = words(
    "GridSearchCV RandomizedSearchCV HalvingGridSearchCV HalvingRandomSearchCV BayesSearchCV"
)
# Combinators of steps: a transformer when a step is one, a model when a step is a model.
PIPELINES = words("Pipeline make_pipeline FeatureUnion make_union DataFrameMapper")
MODEL_LIBRARIES = frozenset({"sklearn", "xgboost", "lightgbm", "catboost", "imblearn"})
# The boosting libraries' own API: their data containers hold rows (and labels), and their
# `train` / `cv` functions fit a booster on one (`lgb.train(params, lgb.Dataset(X, y))`).
BOOSTING_LIBRARIES = frozenset({"xgboost", "lightgbm", "catboost"})
BOOSTER_DATA = words("Dataset DMatrix QuantileDMatrix DeviceQuantileDMatrix Pool")
BOOSTER_FUNCTIONS = words("train cv")
# Where each library's `train` / `cv` takes its training data: position and keyword.
BOOSTER_TRAIN_DATA = {
    "lightgbm": (1, "train_set"),
    "xgboost": (1, "dtrain"),
    "catboost": (0, "pool"),
}
# `lgb.train(params, dtrain, rounds, [dvalid])`, `xgb.train(params, dtrain, rounds, watchlist)`:
# the evaluation sets given by position.
BOOSTER_EVAL_SETS = {"lightgbm": "valid_sets", "xgboost": "evals"}
CV_FUNCTIONS = words(
    "cross_val_score cross_validate cross_val_predict learning_curve validation_curve "
    "permutation_test_score"
)
EVAL_FUNCTIONS = words(
    "classification_report confusion_matrix permutation_importance from_estimator from_predictions"
)
EVAL_SUFFIXES = ("_score", "_error", "_loss")
# Metrics of a clustering itself (internal, or agreement with a reference partition): cluster
# labels of the fitted rows are what they measure, not a leak.
CLUSTERING_METRICS = re.compile(
    r"silhouette|calinski|davies|rand_score|mutual_info|homogeneity|completeness|v_measure|"
    r"fowlkes|contingency"
)
# The attribute holding a clustering model's labels for the rows it was fitted on.
CLUSTER_LABELS = "labels_"
# `fit`, and Keras' older name for fitting on batches a generator yields.
TRAIN_METHODS = words("fit fit_generator")
PREDICT_METHODS = words(
    "predict predict_proba predict_log_proba decision_function predict_classes score evaluate"
)
# A loss computed from a batch's rows, differentiated to update a network (PyTorch): training.
GRADIENT_METHODS = words("backward")
# Methods that return a score of the model on labelled rows, not predictions (Keras' `evaluate`).
SCORE_METHODS = words("score evaluate")
PREDICTIONS_ONLY = PREDICT_METHODS - SCORE_METHODS  # predictions, not a score
# `frame.loc[row, column]` and kin: one cell when the row is a single label or position
CELL_INDEXERS = words("loc at iloc iat")
# Keras models built from layers: `fit` continues from the weights of earlier fits, so a model
# fitted again has been trained on the rows of every fit so far.
KERAS_LIBRARIES = frozenset({"keras", "tensorflow"})  # `tf.` resolves to tensorflow
KERAS_MODELS = words("Sequential Model")
# Figures computed over all rows; `rank` and `percentile` place each row among all the others.
STATISTICS = words(
    "mean median mode std var quantile min max nanmean nanmedian nanstd rank percentile"
    " nanpercentile"
)
# Named in `groupby(...).transform("count")` / `.agg(...)`: each row gets a figure of its group,
# counted over every row of the frame (test rows included when they are there).
GROUP_STATISTICS = STATISTICS | words("count nunique sum size")
# An empty frame built here and filled column by column holds rows of its own.
FRAME_CLASSES = words("DataFrame")
INPLACE_METHODS = words("fillna replace clip where mask interpolate")
INDEX_WORDS = words("idx index indices ind inds mask fold")
CONTAINER_VIEWS = words("items values keys copy")
# Attributes of data that describe its size, type or columns, not its rows.
SIZE_ATTRIBUTES = words("shape ndim size dtype dtypes nbytes columns")
SIZE_FUNCTIONS = words("len")  # `len(frame)`: a number, not rows
# List methods that put their argument into the list (`rows.append(frame)`); not `add`, which
# is also how a Keras model gets its layers.
CONTAINER_FILLERS = words("append extend insert")
MISSING = words("isnull isna notnull notna")
MASK_METHODS = words("isin isnull notnull isna notna between duplicated")
APPLY_METHODS = words("apply applymap map transform agg aggregate pipe")
ROW_COMBINERS = words("merge join append combine_first update")
SHUFFLED_SPLITTERS = frozenset({"ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit"})
SHUFFLABLE_SPLITTERS = frozenset({"KFold", "StratifiedKFold", "GroupKFold", "StratifiedGroupKFold"})
EVAL_SET_KEYWORDS = frozenset(
    {"eval_set", "validation_data", "eval_X", "X_val", "valid_sets", "evals"}
)
# What makes a fit choose by its evaluation set (the epoch or the iteration with the best score):
# keywords of the fit or the model, and callbacks (Keras, LightGBM).
EARLY_STOPPING_KEYWORDS = words("early_stopping_rounds early_stopping use_best_model")
EARLY_STOPPING_CALLBACKS = re.compile(r"EarlyStopping|early_stopping|ModelCheckpoint")
# Calls that read back rows saved earlier (`pickle.load(handle)`).
SOURCE_LOADERS = words("pickle.load joblib.load numpy.load dill.load cloudpickle.load")
SOURCE_PREFIXES = ("read_", "load_", "fetch_", "make_", "loadtxt", "genfromtxt", "randn")
# A loader named after a fitted object (`load_model`, `load_word2vec_format`, `load_weights`)
# reads something learnt elsewhere, looked up by the examples, not examples of its own.
FITTED_OBJECT_WORDS = words("model models weights vec vectors embedding embeddings checkpoint")
TIME_WORDS = frozenset({"time", "date", "temporal", "chrono", "ordered", "datetime", "timestamp"})

_TOKENS = re.compile(r"[a-z]+")
_ROLE_WORDS = {
    TRAIN: {"train", "training", "tr", "trn"},
    TEST: {"test", "testing", "te", "tst", "holdout"},
    VAL: {"val", "va", "valid", "validation", "dev"},
}
TIME_PARAMETER = re.compile(r"(^|_)(TIME|DATE|DATETIME|TIMESTAMP)(_|$).*COL|(^|_)COL.*(TIME|DATE)")
UNSUPERVISED = re.compile(
    r"KMeans|Cluster|DBSCAN|OPTICS|Birch|MeanShift|AffinityPropagation|Mixture|IsolationForest|"
    r"LocalOutlierFactor|OneClassSVM|EllipticEnvelope|NearestNeighbors$|^Dummy"
)
TIME_TEXT = re.compile(r"date|time|timestamp|year|month|week|day", re.IGNORECASE)


def tokens(name: str) -> set[str]:
    """The lower-case words of an identifier (`X_train_scaled` -> {x, train, scaled})."""
    return set(_TOKENS.findall(name.lower()))


def reads_rows(name: str) -> bool:
    """Whether a call named `name` reads examples from outside (`read_csv`, `load_iris`)."""
    return name.startswith(SOURCE_PREFIXES) and not tokens(name) & FITTED_OBJECT_WORDS


def role_from_name(name: str) -> str | None:
    """The split a variable's name says it holds (`X_test` -> test), if exactly one."""
    words = tokens(name)
    roles = [role for role, vocabulary in _ROLE_WORDS.items() if words & vocabulary]
    return roles[0] if len(roles) == 1 else None


def is_split_function(name: str) -> bool:
    """`train_test_split`, `split_stratified`: a function that splits rows (not a time split)."""
    words = tokens(name)
    return name.islower() and "split" in words and not words & TIME_WORDS


def is_unsupervised(name: str) -> bool:
    """Clustering, mixtures, outlier detectors: predicting on their own rows is their job."""
    return bool(UNSUPERVISED.search(name))


def is_model_class(name: str, qualname: str | None) -> bool:
    """A CapWords class from a modeling library."""
    root = (qualname or "").split(".")[0]
    if root in KERAS_LIBRARIES:
        return name in KERAS_MODELS
    return name[:1].isupper() and root in MODEL_LIBRARIES
