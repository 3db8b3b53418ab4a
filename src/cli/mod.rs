//! The `margflow` command-line program: one file per subcommand.
pub mod stats;
