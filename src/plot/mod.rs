//! SVG plots with plotters: a corner plot of weighted samples with an estimator's samples
//! overlaid ([`corner_plot`]), and a training-loss plot ([`loss_plot`]).

mod corner;
mod histogram;
mod loss;

pub use corner::{corner_plot, CornerOptions};
pub use histogram::weighted_histogram;
pub use loss::loss_plot;

use std::path::Path;

use crate::error::Error;

/// A plotters drawing error as an I/O error on the output file.
pub(crate) fn draw_err<E: std::fmt::Display>(path: &Path, e: E) -> Error {
    Error::io(
        path,
        std::io::Error::other(format!("drawing the plot failed: {e}")),
    )
}
