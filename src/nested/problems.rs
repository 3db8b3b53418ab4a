//! Test problems with known evidences, for tests and benchmarks.
//!
//! | problem | prior | log Z | source |
//! | --- | --- | --- | --- |
//! | [`CorrelatedGaussian`] | box `[−h, h]^d` | `−d log 2h` | closed form (the Gaussian is normalised and lies ≥ 9σ inside the box) |
//! | [`GaussianShells`] | `[−6, 6]^d` | radial integral | Feroz & Hobson 2008 (arXiv:0704.3704) §6.2; −1.75 (d = 2), −5.67 (d = 5), −14.59 (d = 10), −36.09 (d = 20) in Feroz et al. 2009 (arXiv:0809.3437) Table 2 |
//! | [`Eggbox`] | `[0, 10π]²` | 235.88 | Feroz et al. 2009 §6.1, by quadrature; checked here by our own quadrature |
//! | [`TwoGaussians`] | `[−1, 1]^d` | `−d log 2` | closed form (equal-weight normalised mixture, modes 10σ apart) |

use super::likelihood::LogLikelihood;
use crate::density::UniformBox;
use crate::error::{Error, Result};
use crate::linalg::{cholesky, logsumexp, lower_solve};
use crate::transform::normal::HALF_LN_2PI;
use crate::transform::Bounds;

/// A likelihood with a uniform prior on a box and known answers.
pub trait TestProblem: LogLikelihood + Send {
    /// A short name (`gaussian-10`, `shells-2`, …).
    fn name(&self) -> String;
    /// Dimension.
    fn dim(&self) -> usize;
    /// The prior box (every limit finite).
    fn bounds(&self) -> Bounds;
    /// The uniform prior on the box; errors when [`TestProblem::bounds`] has an open side.
    fn prior(&self) -> Result<UniformBox> {
        UniformBox::new(self.bounds())
    }
    /// The true `log Z`.
    fn log_z(&self) -> f64;
    /// The true `D_KL` where it has a closed form.
    fn kl(&self) -> Option<f64> {
        None
    }
    /// The true `d_G` where it has a closed form.
    fn bmd(&self) -> Option<f64> {
        None
    }
}

/// `log N(θ; μ, Σ)` with `Σ = L Lᵀ`, `log_norm = −½ log det(2πΣ)`.
fn gaussian_logpdf(theta: &[f64], mean: &[f64], chol: &[f64], log_norm: f64) -> f64 {
    let d = theta.len();
    let diff: Vec<f64> = theta.iter().zip(mean).map(|(a, b)| a - b).collect();
    let mut z = vec![0.0; d];
    lower_solve(chol, &diff, &mut z);
    log_norm - 0.5 * z.iter().map(|v| v * v).sum::<f64>()
}

/// `L = N(θ; μ, Σ)` with `Σ_ij = σ² (δ_ij + ρ (1 − δ_ij))`, `μ_j = σ ((j mod 3) − 1)`, in the
/// box `[−h, h]^d`. `log Z = −d log 2h`, `D_KL = log V − ½ log det(2πeΣ)`, `d_G = d`, with
/// `det Σ = σ^{2d} (1 − ρ)^{d−1} (1 + (d − 1) ρ)`.
#[derive(Debug, Clone)]
pub struct CorrelatedGaussian {
    d: usize,
    half_width: f64,
    mean: Vec<f64>,
    chol: Vec<f64>,
    log_norm: f64,
}

impl CorrelatedGaussian {
    /// Errors unless `σ > 0`, `ρ ∈ (−1/(d−1), 1)` and the box holds the Gaussian to 9σ.
    pub fn new(d: usize, sigma: f64, rho: f64, half_width: f64) -> Result<Self> {
        if d == 0 {
            return Err(Error::invalid("d", "dimension must be at least 1"));
        }
        if !(sigma > 0.0) || !(half_width >= 10.0 * sigma) {
            return Err(Error::invalid(
                "sigma",
                format!("need σ > 0 and the box half-width {half_width} ≥ 10σ (σ = {sigma}) so that log Z has its closed form"),
            ));
        }
        let mut cov = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                cov[i * d + j] = sigma * sigma * if i == j { 1.0 } else { rho };
            }
        }
        let chol = cholesky(&cov, d)?.ok_or_else(|| {
            Error::invalid(
                "rho",
                format!("ρ = {rho} does not give a positive definite covariance in {d} dimensions"),
            )
        })?;
        let log_det: f64 = (0..d).map(|i| 2.0 * chol[i * d + i].ln()).sum();
        let mean = (0..d).map(|j| sigma * ((j % 3) as f64 - 1.0)).collect();
        Ok(Self {
            d,
            half_width,
            mean,
            chol,
            log_norm: -0.5 * log_det - d as f64 * HALF_LN_2PI,
        })
    }

    /// The standard instance: `σ = 0.1`, `ρ = 0.5`, box `[−1, 1]^d`.
    pub fn standard(d: usize) -> Result<Self> {
        Self::new(d, 0.1, 0.5, 1.0)
    }

    /// The mean `μ`.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// `log det Σ`.
    pub fn log_det_cov(&self) -> f64 {
        -2.0 * (self.log_norm + self.d as f64 * HALF_LN_2PI)
    }
}

impl LogLikelihood for CorrelatedGaussian {
    fn log_likelihood(&self, theta: &[f64]) -> Result<f64> {
        Ok(gaussian_logpdf(
            theta,
            &self.mean,
            &self.chol,
            self.log_norm,
        ))
    }
}

impl TestProblem for CorrelatedGaussian {
    fn name(&self) -> String {
        format!("gaussian-{}", self.d)
    }
    fn dim(&self) -> usize {
        self.d
    }
    fn bounds(&self) -> Bounds {
        Bounds::cube(self.d, -self.half_width, self.half_width).expect("half_width > 0")
    }
    fn log_z(&self) -> f64 {
        -(self.d as f64) * (2.0 * self.half_width).ln()
    }
    fn kl(&self) -> Option<f64> {
        let d = self.d as f64;
        Some(
            d * (2.0 * self.half_width).ln()
                - 0.5 * (d * (1.0 + 2.0 * HALF_LN_2PI) + self.log_det_cov()),
        )
    }
    fn bmd(&self) -> Option<f64> {
        Some(self.d as f64)
    }
}

/// Two Gaussian shells (Feroz & Hobson 2008): `L = Σ_k exp(−(|θ − c_k| − r)² / 2w²) / √(2πw²)`
/// with `r = 2`, `w = 0.1`, `c_{1,2} = (∓3.5, 0, …)`, prior `[−6, 6]^d`.
///
/// `Z = 2 S_{d−1} ∫₀^∞ ρ^{d−1} φ((ρ − r)/w)/w dρ / 12^d`, `S_{d−1} = 2π^{d/2}/Γ(d/2)`, by
/// Simpson's rule (the shells lie well inside the box, so the box cuts nothing off).
#[derive(Debug, Clone)]
pub struct GaussianShells {
    d: usize,
}

impl GaussianShells {
    /// The shells in `d ≥ 2` dimensions.
    pub fn new(d: usize) -> Result<Self> {
        if d < 2 {
            return Err(Error::invalid("d", "Gaussian shells need d ≥ 2"));
        }
        Ok(Self { d })
    }
    const R: f64 = 2.0;
    const W: f64 = 0.1;
    const C: f64 = 3.5;
}

impl LogLikelihood for GaussianShells {
    fn log_likelihood(&self, t: &[f64]) -> Result<f64> {
        let rest: f64 = t[1..].iter().map(|v| v * v).sum();
        let shell = |c: f64| {
            let r = ((t[0] - c).powi(2) + rest).sqrt();
            -0.5 * ((r - Self::R) / Self::W).powi(2) - Self::W.ln() - HALF_LN_2PI
        };
        Ok(logsumexp(&[shell(-Self::C), shell(Self::C)]))
    }
}

impl TestProblem for GaussianShells {
    fn name(&self) -> String {
        format!("shells-{}", self.d)
    }
    fn dim(&self) -> usize {
        self.d
    }
    fn bounds(&self) -> Bounds {
        Bounds::cube(self.d, -6.0, 6.0).expect("valid")
    }
    fn log_z(&self) -> f64 {
        let d = self.d as f64;
        let (r, w) = (Self::R, Self::W);
        let (a, b) = ((r - 14.0 * w).max(0.0), r + 14.0 * w);
        let m = 20_000;
        let h = (b - a) / m as f64;
        let f = |x: f64| x.powf(d - 1.0) * (-0.5 * ((x - r) / w).powi(2) - HALF_LN_2PI).exp() / w;
        let mut s = f(a) + f(b);
        for i in 1..m {
            s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(a + i as f64 * h);
        }
        let radial = s * h / 3.0;
        let log_surface = std::f64::consts::LN_2 + 0.5 * d * std::f64::consts::PI.ln()
            - statrs::function::gamma::ln_gamma(0.5 * d);
        std::f64::consts::LN_2 + log_surface + radial.ln() - d * 12f64.ln()
    }
}

/// The eggbox (Feroz et al. 2009): `log L = (2 + cos(θ₁/2) cos(θ₂/2))⁵` on `[0, 10π]²`.
#[derive(Debug, Clone, Default)]
pub struct Eggbox;

impl Eggbox {
    /// `log Z` by the midpoint rule on an `m × m` grid (spectrally accurate here: the
    /// integrand is smooth and symmetric about the box's centre lines).
    pub fn log_z_quadrature(m: usize) -> f64 {
        let h = 10.0 * std::f64::consts::PI / m as f64;
        let c: Vec<f64> = (0..m).map(|i| ((i as f64 + 0.5) * h / 2.0).cos()).collect();
        let mut terms = Vec::with_capacity(m * m);
        for a in &c {
            for b in &c {
                terms.push((2.0 + a * b).powi(5));
            }
        }
        logsumexp(&terms) + 2.0 * h.ln() - 2.0 * (10.0 * std::f64::consts::PI).ln()
    }

    /// `log Z` from [`Eggbox::log_z_quadrature`] with `m = 2000` (converged to < 1e-6).
    pub const LOG_Z: f64 = 235.855_94;
}

impl LogLikelihood for Eggbox {
    fn log_likelihood(&self, t: &[f64]) -> Result<f64> {
        Ok((2.0 + (t[0] / 2.0).cos() * (t[1] / 2.0).cos()).powi(5))
    }
}

impl TestProblem for Eggbox {
    fn name(&self) -> String {
        "eggbox".into()
    }
    fn dim(&self) -> usize {
        2
    }
    fn bounds(&self) -> Bounds {
        Bounds::cube(2, 0.0, 10.0 * std::f64::consts::PI).expect("valid")
    }
    fn log_z(&self) -> f64 {
        Self::LOG_Z
    }
}

/// `L = ½ N(θ; −a e₁, σ² I) + ½ N(θ; a e₁, σ² I)` with `a = 0.5`, `σ = 0.05` on `[−1, 1]^d`:
/// two modes 20σ apart, `log Z = −d log 2`.
#[derive(Debug, Clone)]
pub struct TwoGaussians {
    d: usize,
}

impl TwoGaussians {
    /// The mixture in `d ≥ 1` dimensions.
    pub fn new(d: usize) -> Result<Self> {
        if d == 0 {
            return Err(Error::invalid("d", "dimension must be at least 1"));
        }
        Ok(Self { d })
    }
    const A: f64 = 0.5;
    const S: f64 = 0.05;
}

impl LogLikelihood for TwoGaussians {
    fn log_likelihood(&self, t: &[f64]) -> Result<f64> {
        let rest: f64 = t[1..].iter().map(|v| v * v).sum();
        let norm = -(self.d as f64) * (Self::S.ln() + HALF_LN_2PI);
        let mode = |c: f64| norm - 0.5 * ((t[0] - c).powi(2) + rest) / (Self::S * Self::S);
        Ok(logsumexp(&[mode(-Self::A), mode(Self::A)]) - std::f64::consts::LN_2)
    }
}

impl TestProblem for TwoGaussians {
    fn name(&self) -> String {
        format!("two-gaussians-{}", self.d)
    }
    fn dim(&self) -> usize {
        self.d
    }
    fn bounds(&self) -> Bounds {
        Bounds::cube(self.d, -1.0, 1.0).expect("valid")
    }
    fn log_z(&self) -> f64 {
        -(self.d as f64) * std::f64::consts::LN_2
    }
    fn kl(&self) -> Option<f64> {
        // log V − ½ log det(2πeσ²I) − log 2 (the posterior is split evenly over two modes).
        let d = self.d as f64;
        Some(
            d * 2f64.ln()
                - 0.5 * d * (1.0 + 2.0 * HALF_LN_2PI + 2.0 * Self::S.ln())
                - std::f64::consts::LN_2,
        )
    }
}

impl LogLikelihood for Box<dyn TestProblem> {
    fn log_likelihood(&self, theta: &[f64]) -> Result<f64> {
        (**self).log_likelihood(theta)
    }
}

/// A problem by name: `gaussian-D`, `shells-D`, `eggbox`, `two-gaussians-D`.
pub fn problem_by_name(name: &str) -> Result<Box<dyn TestProblem>> {
    let bad = || {
        Error::invalid(
            "problem",
            format!("unknown problem `{name}`; use gaussian-D, shells-D, eggbox or two-gaussians-D (D the dimension)"),
        )
    };
    if name == "eggbox" {
        return Ok(Box::new(Eggbox));
    }
    let (stem, d) = name.rsplit_once('-').ok_or_else(bad)?;
    let d: usize = d.parse().map_err(|_| bad())?;
    match stem {
        "gaussian" => Ok(Box::new(CorrelatedGaussian::standard(d)?)),
        "shells" => Ok(Box::new(GaussianShells::new(d)?)),
        "two-gaussians" => Ok(Box::new(TwoGaussians::new(d)?)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_evidences_match_feroz_et_al() {
        for (d, paper) in [(2, -1.75), (5, -5.67), (10, -14.59), (20, -36.09)] {
            let lz = GaussianShells::new(d).unwrap().log_z();
            assert!((lz - paper).abs() < 0.006, "d = {d}: {lz} vs {paper}");
        }
    }

    #[test]
    fn eggbox_quadrature_is_converged_and_matches_paper() {
        let a = Eggbox::log_z_quadrature(1000);
        let b = Eggbox::log_z_quadrature(2000);
        assert!((a - b).abs() < 1e-6, "{a} {b}");
        assert!((b - Eggbox::LOG_Z).abs() < 1e-4, "{b}");
        assert!((b - 235.88).abs() < 0.03);
    }

    #[test]
    fn gaussian_kl_matches_uncorrelated_formula() {
        // ρ = 0: D = d (log 2h − ½ log(2πeσ²)).
        let g = CorrelatedGaussian::new(3, 0.1, 0.0, 1.0).unwrap();
        let want = 3.0
            * (2f64.ln() - 0.5 * (2.0 * std::f64::consts::PI * std::f64::consts::E * 0.01).ln());
        assert!((g.kl().unwrap() - want).abs() < 1e-12);
        assert!(problem_by_name("gaussian-x").is_err());
        assert_eq!(problem_by_name("shells-5").unwrap().dim(), 5);
    }
}
