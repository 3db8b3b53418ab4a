//! The one crate error type. Every fallible public function returns [`Result`]; user input never
//! panics. Each variant names the argument (or file and line) and says what to do about it.

use std::path::PathBuf;

/// Everything that can go wrong in margflow.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument has a value the function cannot use.
    #[error("invalid argument `{arg}`: {reason}")]
    InvalidArgument {
        /// The argument's name, as in the function signature or CLI flag.
        arg: String,
        /// What was wrong and what to do instead.
        reason: String,
    },
    /// Two things that must agree in size do not.
    #[error("dimension mismatch in `{arg}`: expected {expected}, got {got}")]
    DimensionMismatch {
        /// The argument whose size is wrong.
        arg: String,
        /// The size that was needed.
        expected: usize,
        /// The size that was given.
        got: usize,
    },
    /// A NaN or infinite value where only finite numbers make sense.
    #[error("non-finite value {value} in `{arg}` at row {row}, column {col}: remove or fix such rows before fitting")]
    NonFinite {
        /// The argument holding the value.
        arg: String,
        /// Row (sample) index, from 0.
        row: usize,
        /// Column (parameter) index, from 0.
        col: usize,
        /// The offending value.
        value: f64,
    },
    /// A parameter name that the samples or model do not have.
    #[error("unknown parameter `{name}` in `{arg}`; available parameters: {available:?}")]
    UnknownParameter {
        /// The argument that named it.
        arg: String,
        /// The name that was not found.
        name: String,
        /// The names that exist.
        available: Vec<String>,
    },
    /// An operating-system error while reading or writing a file.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A malformed input file.
    #[error("{path}:{line}: {reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Line number, from 1 (0 when the whole file is at fault; the row for binary formats).
        line: usize,
        /// Column (field) number, from 1, when one column is at fault.
        column: Option<usize>,
        /// What kind of fault, for matching.
        kind: ParseKind,
        /// What was wrong, in words.
        reason: String,
    },
    /// A path from which no chain format could be read: every format tried, with its error
    /// (none when no file or root of that name exists).
    #[error("{}", no_chain_format_message(path, tried))]
    NoChainFormat {
        /// The file or root given.
        path: PathBuf,
        /// Each format that was tried, and why it failed.
        tried: Vec<(crate::samples::readers::ChainFormat, Box<Error>)>,
    },
    /// A saved model that cannot be loaded (wrong version, shape or kind).
    #[error("model {path}: {reason}")]
    Model {
        /// The model directory.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A computation that produced no usable number (for example no finite values to average).
    #[error("numerical failure in {context}: {reason}")]
    Numerical {
        /// Where it happened.
        context: String,
        /// What happened and what to try.
        reason: String,
    },
    /// A request for more memory or disk space than there is: `needed` bytes where `available`
    /// are (the machine's physical memory, or the free space on the output's file system).
    #[error("`{arg}` needs about {needed} bytes, more than the {available} bytes {what}: {hint}")]
    TooLarge {
        /// The argument or CLI flag that asked for it.
        arg: String,
        /// Bytes needed (saturating at `u64::MAX`).
        needed: u64,
        /// Bytes available.
        available: u64,
        /// What the available bytes are (for example `of physical memory`).
        what: String,
        /// What to do instead.
        hint: String,
    },
    /// An error from candle (tensor shapes, devices).
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// Samples with positive weight on or outside the bounds they are to be fitted in (for
    /// example a half-bound `10:` on the wrong side of the data).
    #[error("bounds exclude samples: {}; widen the bounds to hold every sample (a bound is open: a sample exactly on it counts as outside), leave a side open (`0:`), or drop those samples", outside_list(.0))]
    OutsideBounds(Vec<OutsideBounds>),
}

/// One parameter whose samples the bounds exclude (see [`Error::OutsideBounds`]).
#[derive(Debug, Clone, PartialEq)]
pub struct OutsideBounds {
    /// The parameter's name.
    pub param: String,
    /// How many samples lie on or outside its limits.
    pub outside: usize,
    /// How many samples there are.
    pub total: usize,
    /// The limits `(lo, hi)` (`∓∞` for an open side).
    pub limits: (f64, f64),
    /// The smallest and largest sample value.
    pub span: (f64, f64),
}

fn outside_list(v: &[OutsideBounds]) -> String {
    v.iter()
        .map(|o| {
            format!(
                "`{}`: {} of {} samples outside ({}, {}), samples span [{}, {}]",
                o.param, o.outside, o.total, o.limits.0, o.limits.1, o.span.0, o.span.1
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// Shorthand for [`Error::InvalidArgument`].
    pub fn invalid(arg: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidArgument {
            arg: arg.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::DimensionMismatch`].
    pub fn dims(arg: impl Into<String>, expected: usize, got: usize) -> Self {
        Error::DimensionMismatch {
            arg: arg.into(),
            expected,
            got,
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`Error::Model`].
    pub fn model(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Error::Model {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Numerical`].
    pub fn numerical(context: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Numerical {
            context: context.into(),
            reason: reason.into(),
        }
    }
}

/// What was wrong with a malformed input file ([`Error::Parse`]), for code (and tests) that
/// must tell faults apart without reading the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseKind {
    /// A field that is not a number.
    NotANumber,
    /// NaN or an infinity where only finite numbers (or, for `log L`, `−∞`) are allowed.
    NonFinite,
    /// A row with the wrong number of fields, or an array or file with too few columns or the
    /// wrong shape for its format.
    FieldCount,
    /// No data: no rows, no dead points, no live points where they are needed.
    Empty,
    /// A negative weight, or no sample that carries weight (no posterior mass).
    Weight,
    /// Column or parameter names: missing, duplicated, or not matching the columns.
    Names,
    /// A nested-sampling birth contour at or above its point's own `log L`.
    BirthContour,
    /// Anything else about the file's structure (not UTF-8, not CSV, an HDF5 or parquet file
    /// of another layout, unreadable metadata).
    Format,
}

fn no_chain_format_message(
    path: &std::path::Path,
    tried: &[(crate::samples::readers::ChainFormat, Box<Error>)],
) -> String {
    if tried.is_empty() {
        return format!("{}: no file or chain root of that name; expected a .csv, .parquet, .h5 file, a root with root_1.txt, root.1.txt, root.txt, root_dead-birth.txt, ROOTdead-birth.txt, ROOTev.dat or root_post_equal_weights.dat, or a NestedFit or UltraNest folder", path.display());
    }
    let list: Vec<String> = tried.iter().map(|(f, e)| format!("{f:?}: {e}")).collect();
    format!(
        "{}: no chain format could read it; tried:\n  - {}",
        path.display(),
        list.join("\n  - ")
    )
}

/// `Result` with margflow's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
