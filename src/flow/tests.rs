//! Unit tests of the kernels: the native path against candle's autograd, the autoregressive
//! property through gradients, the inverse, and the Adam step.

use candle_core::{DType, Device, Tensor, Var};
use rand::Rng;

use super::candle_net::CandleNet;
use super::config::{Activation, MafConfig};
use super::made::{default_orders, Architecture, Layout};
use super::native::{self, Tape};
use super::train::{CandleEngine, Engine, NativeEngine};
use crate::matrix::Matrix;
use crate::rng::rng_from_seed;

fn layout(d: usize, act: Activation) -> Layout {
    let arch = Architecture {
        dim: d,
        n_mades: 3,
        hidden: vec![11, 7],
        activation: act,
        clamp: 2.0,
    };
    Layout::new(arch, default_orders(d, 3))
}

/// Random parameters of order one everywhere (not the near-identity init), biases included.
fn random_params(lay: &Layout, seed: u64) -> Vec<f64> {
    let mut rng = rng_from_seed(seed);
    let mut p: Vec<f64> = (0..lay.n_params())
        .map(|_| rng.random_range(-0.8..0.8))
        .collect();
    lay.apply_mask(&mut p);
    p
}

fn random_y(n: usize, d: usize, seed: u64) -> Matrix {
    let mut rng = rng_from_seed(seed);
    Matrix::new(
        n,
        d,
        (0..n * d).map(|_| rng.random_range(-2.5..2.5)).collect(),
    )
    .unwrap()
}

fn max_rel(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (1.0 + x.abs().max(y.abs())))
        .fold(0.0, f64::max)
}

#[test]
fn native_log_prob_and_gradient_match_candle_autograd() {
    for act in [Activation::Tanh, Activation::Relu] {
        for d in [1usize, 2, 4] {
            let lay = layout(d, act);
            let p = random_params(&lay, 3);
            let y = random_y(37, d, 4);
            let w: Vec<f64> = (0..37).map(|i| 0.5 + (i % 5) as f64).collect();
            // Native, f64.
            let mut tape = Tape::default();
            let mut lq = vec![0.0; 37];
            native::forward(&lay, &p, y.as_slice(), true, &mut tape, &mut lq);
            let rows: Vec<usize> = (0..37).collect();
            let mut eng = NativeEngine::<f64>::new(&lay, &p, &y, &w, 1.3, 0.0);
            let g_native = eng.gradient(&rows);
            // Candle, f64, autograd of the same loss −Σ w log q / (B w̄).
            let net = CandleNet::new(&lay, &p, DType::F64, &Device::Cpu).unwrap();
            let yt = net.tensor(y.as_slice(), 37, d).unwrap();
            let lq_c = net.log_prob(&yt).unwrap().to_vec1::<f64>().unwrap();
            assert!(max_rel(&lq, &lq_c) < 1e-12, "log q, d = {d}, {act:?}");
            let wt = Tensor::from_slice(&w, 37, &Device::Cpu).unwrap();
            let loss = ((net.log_prob(&yt).unwrap() * wt)
                .unwrap()
                .sum_all()
                .unwrap()
                / (-37.0 * 1.3))
                .unwrap();
            let grads = loss.backward().unwrap();
            let mut g_candle = Vec::new();
            for v in net.all_vars() {
                let g = grads.get(v.as_tensor()).unwrap();
                g_candle.extend(g.flatten_all().unwrap().to_vec1::<f64>().unwrap());
            }
            // Candle's variable order is the flat layout order (weight, bias per layer).
            assert_eq!(g_candle.len(), g_native.len());
            assert!(
                max_rel(&g_native, &g_candle) < 1e-11,
                "grad, d = {d}, {act:?}"
            );
            assert!(
                g_native.iter().any(|g| g.abs() > 1e-3),
                "gradient is not trivial"
            );
        }
    }
}

/// The standardisation layer of [`MafNet`]: `log q(y) = log q_MADEs((y − m)/s) − Σ log s`,
/// checked against candle's log_prob on the standardised points, and the inverse (unit-cube
/// map and sampling) undoes it.
#[test]
fn standardisation_layer_matches_candle_and_inverts() {
    use super::net::MafNet;
    use crate::transform::{normal, LatentDensity};
    let d = 3;
    let lay = layout(d, Activation::Tanh);
    let p = random_params(&lay, 31);
    let (m, s) = (vec![0.4, -1.2, 0.05], vec![0.02, 1.7, 0.3]);
    let net = MafNet::from_parts(
        lay.clone(),
        p.clone(),
        (m.clone(), s.clone()),
        Default::default(),
        MafConfig::default(),
    );
    let y = random_y(29, d, 32);
    let u: Vec<f64> = y
        .as_slice()
        .chunks(d)
        .flat_map(|r| (0..d).map(|j| (r[j] - m[j]) / s[j]).collect::<Vec<_>>())
        .collect();
    let cn = CandleNet::new(&lay, &p, DType::F64, &Device::Cpu).unwrap();
    let lq_c = cn
        .log_prob(&cn.tensor(&u, 29, d).unwrap())
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    let log_s: f64 = s.iter().map(|v| v.ln()).sum();
    let expect: Vec<f64> = lq_c.iter().map(|v| v - log_s).collect();
    let got = net.log_prob_latent_f64(&y).unwrap();
    assert!(max_rel(&got, &expect) < 1e-12);
    let got32 = net.log_prob_latent(&y).unwrap();
    assert!(max_rel(&got32, &expect) < 1e-4);
    // Unit-cube map: z = F((y − m)/s) must equal Φ⁻¹(u).
    let cube = [0.2, 0.7, 0.55];
    let mut yy = vec![0.0; d];
    net.latent_from_unit_cube(&cube, &mut yy).unwrap();
    let uu: Vec<f64> = (0..d).map(|j| (yy[j] - m[j]) / s[j]).collect();
    let mut tape = Tape::default();
    let mut lq = vec![0.0; 1];
    native::forward(&lay, &p, &uu, true, &mut tape, &mut lq);
    let zl = tape_z(&tape, 2);
    let mut z = vec![0.0; d];
    for (pos, &var) in lay.orders[2].iter().enumerate() {
        z[var] = zl[pos];
    }
    let want: Vec<f64> = cube.iter().map(|&c| normal::inv_cdf(c)).collect();
    assert!(max_rel(&z, &want) < 1e-10, "{z:?} vs {want:?}");
    // Samples land at the scale of the layer: column sd of order s, not 1.
    let x = net.sample_latent(4000, &mut rng_from_seed(33)).unwrap();
    let c0 = x.column(0);
    let mean0 = c0.iter().sum::<f64>() / 4000.0;
    assert!((mean0 - m[0]).abs() < 0.2, "mean {mean0}");
    assert!(c0.iter().all(|v| (v - m[0]).abs() < 50.0 * s[0]));
}

#[test]
fn f32_kernels_agree_with_f64() {
    let lay = layout(3, Activation::Tanh);
    let p = random_params(&lay, 5);
    let y = random_y(50, 3, 6);
    let mut tape = Tape::default();
    let mut lq = vec![0.0; 50];
    native::forward(&lay, &p, y.as_slice(), false, &mut tape, &mut lq);
    let p32: Vec<f32> = p.iter().map(|&v| v as f32).collect();
    let y32: Vec<f32> = y.as_slice().iter().map(|&v| v as f32).collect();
    let mut tape32 = Tape::default();
    let mut lq32 = vec![0f32; 50];
    native::forward(&lay, &p32, &y32, false, &mut tape32, &mut lq32);
    let lq32: Vec<f64> = lq32.iter().map(|&v| v as f64).collect();
    assert!(max_rel(&lq, &lq32) < 2e-5);
}

#[test]
fn adam_step_matches_candle_adamw_without_decay() {
    let lay = layout(3, Activation::Tanh);
    let p = random_params(&lay, 8);
    let y = random_y(40, 3, 9);
    let w: Vec<f64> = (0..40).map(|i| 1.0 + (i % 3) as f64).collect();
    let mut nat = NativeEngine::<f64>::new(&lay, &p, &y, &w, 2.0, 0.9);
    let mut can =
        CandleEngine::new(&lay, &p, &y, &w, 2.0, DType::F64, &Device::Cpu, 1e-3, 0.9).unwrap();
    for step in 0..3 {
        let rows: Vec<usize> = (step * 10..step * 10 + 20).collect();
        let l1 = nat.step(&rows, 1e-2).unwrap();
        let l2 = can.step(&rows, 1e-2).unwrap();
        assert!((l1 - l2).abs() < 1e-10 * l1.abs().max(1.0));
    }
    let (a, b) = (nat.params().unwrap(), can.params().unwrap());
    assert!(max_rel(&a, &b) < 1e-10);
    assert!(max_rel(&a, &p) > 1e-3, "the steps moved the parameters");
    // Masked weights stay exactly zero.
    let mut masked = a.clone();
    lay.apply_mask(&mut masked);
    assert_eq!(masked, a);
}

/// ∂μ_p/∂x_j and ∂s_p/∂x_j vanish for positions j ≥ p and not all for j < p (autograd).
#[test]
fn made_is_autoregressive_through_gradients() {
    let d = 4;
    let lay = layout(d, Activation::Tanh);
    let p = random_params(&lay, 11);
    let net = CandleNet::new(&lay, &p, DType::F64, &Device::Cpu).unwrap();
    let x = Var::from_tensor(&net.tensor(random_y(5, d, 12).as_slice(), 5, d).unwrap()).unwrap();
    for k in 0..3 {
        let (mu, s) = net.made_outputs(k, x.as_tensor()).unwrap();
        for out in [&mu, &s] {
            for pos in 0..d {
                let g = out
                    .narrow(1, pos, 1)
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .backward()
                    .unwrap();
                let gx = g.get(x.as_tensor()).unwrap().to_vec2::<f64>().unwrap();
                for j in 0..d {
                    let col_max = gx.iter().map(|r| r[j].abs()).fold(0.0, f64::max);
                    if j >= pos {
                        assert_eq!(col_max, 0.0, "MADE {k}: output {pos} depends on {j}");
                    } else {
                        assert!(col_max > 1e-6, "MADE {k}: output {pos} ignores {j}");
                    }
                }
            }
        }
    }
}

#[test]
fn inverse_inverts_forward() {
    for d in [1usize, 2, 5] {
        let lay = layout(d, Activation::Tanh);
        let p = random_params(&lay, 21);
        let y = random_y(30, d, 22);
        let mut tape = Tape::default();
        let mut lq = vec![0.0; 30];
        native::forward(&lay, &p, y.as_slice(), true, &mut tape, &mut lq);
        // The last MADE's z, scattered back to natural order, is F(y).
        let order = &lay.orders[2];
        let mut v = vec![0.0; 30 * d];
        let z = &tape_z(&tape, 2);
        for b in 0..30 {
            for (pos, &var) in order.iter().enumerate() {
                v[b * d + var] = z[b * d + pos];
            }
        }
        native::inverse(&lay, &p, &mut v);
        assert!(max_rel(&v, y.as_slice()) < 1e-12, "d = {d}");
    }
}

fn tape_z(t: &Tape<f64>, k: usize) -> Vec<f64> {
    t.z_of(k).to_vec()
}

#[test]
fn config_rejects_bad_values_by_name() {
    use crate::Error;
    let cases: Vec<(&str, crate::Result<MafConfig>)> = vec![
        ("n_mades", MafConfig::builder().n_mades(0).build()),
        ("hidden", MafConfig::builder().hidden(vec![]).build()),
        ("hidden", MafConfig::builder().hidden(vec![10, 0]).build()),
        (
            "learning_rate",
            MafConfig::builder().learning_rate(0.0).build(),
        ),
        (
            "learning_rate",
            MafConfig::builder().learning_rate(f64::NAN).build(),
        ),
        ("max_epochs", MafConfig::builder().max_epochs(0).build()),
        ("batch_size", MafConfig::builder().batch_size(0).build()),
        (
            "validation_fraction",
            MafConfig::builder().validation_fraction(1.0).build(),
        ),
        (
            "validation_fraction",
            MafConfig::builder().validation_fraction(-0.1).build(),
        ),
        ("patience", MafConfig::builder().patience(0).build()),
        ("min_delta", MafConfig::builder().min_delta(-1e-3).build()),
        (
            "min_delta",
            MafConfig::builder().min_delta(f64::NAN).build(),
        ),
        ("clamp", MafConfig::builder().clamp(0.0).build()),
        ("ema_decay", MafConfig::builder().ema_decay(1.0).build()),
    ];
    for (name, r) in cases {
        match r {
            Err(Error::InvalidArgument { arg, .. }) => assert_eq!(arg, name),
            other => panic!("{name}: expected InvalidArgument, got {other:?}"),
        }
    }
    let def = MafConfig::default();
    assert_eq!(
        (def.n_mades, def.hidden.clone(), def.learning_rate),
        (6, vec![50, 50], 1e-3)
    );
    assert_eq!(def.activation, Activation::Tanh);
    def.validate().unwrap();
}

/// The evaluation path (no tape, unit-major buffers, skipped mask blocks) against the training
/// path (tape, row-major) for one, two and three hidden layers.
#[test]
fn eval_path_matches_training_path() {
    for hidden in [vec![9], vec![11, 7], vec![8, 12, 6]] {
        for d in [1usize, 2, 3, 5] {
            let arch = Architecture {
                dim: d,
                n_mades: 3,
                hidden: hidden.clone(),
                activation: Activation::Tanh,
                clamp: 2.0,
            };
            let lay = Layout::new(arch, default_orders(d, 3));
            let p = random_params(&lay, 41);
            let y = random_y(23, d, 42);
            let mut tape = Tape::default();
            let (mut a, mut b) = (vec![0.0; 23], vec![0.0; 23]);
            native::forward(&lay, &p, y.as_slice(), true, &mut tape, &mut a);
            // The same tape, reused, as the training engine does.
            native::forward(&lay, &p, y.as_slice(), false, &mut tape, &mut b);
            assert!(max_rel(&a, &b) < 1e-13, "d = {d}, hidden {hidden:?}");
            native::forward(&lay, &p, y.as_slice(), true, &mut tape, &mut b);
            assert!(max_rel(&a, &b) < 1e-13);
        }
    }
}

#[test]
fn batch_grows_with_the_rows_and_is_unchanged_for_small_data() {
    let cfg = MafConfig::default();
    assert_eq!(cfg.batch_for(9_000), 128);
    assert_eq!(cfg.batch_for(128_999), 128);
    assert_eq!(cfg.batch_for(200_000), 200);
    assert_eq!(cfg.batch_for(900_000), 256);
    assert!(MafConfig::builder().max_batch_size(64).build().is_err());
    assert!(MafConfig::builder().epoch_samples(0).build().is_err());
    assert!(MafConfig::builder().max_validation(0).build().is_err());
}

/// Epochs that see only part of the rows (a running shuffled order), a grown batch and a
/// capped validation part: the same seed still gives the same flow bit for bit.
#[test]
fn partial_epochs_are_deterministic() {
    use crate::fit::Fit;
    use crate::samples::WeightedSamples;
    let y = random_y(4000, 2, 3);
    let s = WeightedSamples::unweighted(y, WeightedSamples::default_names(2)).unwrap();
    let cfg = MafConfig::builder()
        .n_mades(2)
        .hidden(vec![8])
        .batch_size(2)
        .max_batch_size(16)
        .epoch_samples(700)
        .max_validation(300)
        .max_epochs(6)
        .progress(false)
        .build()
        .unwrap();
    let bounds = crate::Bounds::cube(2, -20.0, 20.0).unwrap();
    let a = cfg.fit(&s, Some(&bounds), 9).unwrap();
    let b = cfg.fit(&s, Some(&bounds), 9).unwrap();
    assert_eq!(a.latent().params(), b.latent().params());
    let h = a.latent().history();
    assert_eq!(h.epochs_run, 6);
    assert!(h.val_loss.iter().all(|v| v.is_finite()));
}
