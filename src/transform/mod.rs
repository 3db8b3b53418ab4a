//! Bounds, the Gaussianising bijector, and the one change of variables that every estimator
//! goes through ([`Transformed`]).

mod bounds;
mod change_of_variables;
mod gaussianise;
pub mod normal;

pub(crate) use bounds::{open_side, open_sides};
pub use bounds::{Bounds, Side};
pub(crate) use change_of_variables::{check_cube_point, clamp_open};
pub use change_of_variables::{LatentDensity, Transformed};
pub use gaussianise::Gaussianiser;
