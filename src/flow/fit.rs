//! Fitting a MAF to weighted samples ([`crate::Fit`] for [`MafConfig`]).

use super::config::MafConfig;
use super::net::{weighted_standardisation, MafNet};
use super::train::train;
use super::Maf;
use crate::error::Result;
use crate::fit::{resolve_bounds, Fit};
use crate::matrix::Matrix;
use crate::rng::rng_from_seed;
use crate::samples::WeightedSamples;
use crate::transform::{Bounds, Gaussianiser, Transformed};

impl Fit for MafConfig {
    type Model = Maf;

    /// Maps the samples to the latent space through the bounds (`None`: unbounded), sets the fixed
    /// standardisation layer from the weighted mean and sd of the Gaussianised samples,
    /// initialises the flow and trains it, all from `rng_from_seed(seed)`.
    fn fit(&self, samples: &WeightedSamples, bounds: Option<&Bounds>, seed: u64) -> Result<Maf> {
        self.validate()?;
        let g = Gaussianiser::fit(resolve_bounds(samples, bounds)?, samples)?;
        let d = samples.dim();
        let mut y = Matrix::zeros(samples.len(), d);
        let mut w = samples.weights().to_vec();
        for (i, r) in samples.values().rows().enumerate() {
            // Only zero-weight rows can lie outside the resolved bounds: they are dropped.
            if g.forward(r, y.row_mut(i)).is_none() {
                y.row_mut(i).fill(0.0);
                w[i] = 0.0;
            }
        }
        // The fixed first layer: standardise with the weighted mean and sd of y.
        let (shift, scale) = weighted_standardisation(&y, &w)?;
        for r in y.as_mut_slice().chunks_exact_mut(d) {
            for ((v, &m), &s) in r.iter_mut().zip(&shift).zip(&scale) {
                *v = (*v - m) / s;
            }
        }
        let mut rng = rng_from_seed(seed);
        let mut net = MafNet::untrained_from(d, self, &mut rng)?;
        let (params, mut history) = train(net.layout(), net.params(), &y, &w, self, &mut rng)?;
        // The recorded losses are those of the standardised data; add the layer's log-det
        // back so that they are losses of y.
        let log_s: f64 = scale.iter().map(|s| s.ln()).sum();
        for l in history.train_loss.iter_mut().chain(&mut history.val_loss) {
            *l += log_s;
        }
        net.set_standardisation(shift, scale);
        net.set_params(params, history);
        Transformed::new(net, g)?.with_names(samples.names().to_vec())
    }
}
