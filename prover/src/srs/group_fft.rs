//! The Lagrange basis of an SRS from its monomial points: L_i(s)·G = (1/n)·Σ_j ω^(−ij)·s^j·G,
//! an inverse FFT whose elements are G1 points.
//!
//! halo2's `g_to_lagrange` runs the same FFT with its curve's constant-time scalar
//! multiplication (a double and an addition for each of 256 bits). The twiddles are public,
//! so nothing needs constant time here: a width-5 wNAF multiplication does the 256 doublings
//! and about 50 additions (k = 17 on two cores: 73 s instead of 125 s). The FFT itself is
//! halo2's (same parallel schedule, same ordering), so the result is identical.

use halo2_proofs::arithmetic::best_fft;
use halo2_proofs::fft::recursive::FFTData;
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine, G1};
use halo2_proofs::halo2curves::ff::{Field, PrimeField};
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::{Curve, WnafBase, WnafScalar};
use std::ops::{Add, AddAssign, Mul, MulAssign, Sub, SubAssign};

/// wNAF window width.
const WINDOW: usize = 5;

/// A G1 point whose multiplication by a field element is a (variable-time) wNAF
/// multiplication, for FFTs over public data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Point(G1);

impl Point {
    fn times(self, s: &Fr) -> Self {
        if *s == Fr::ONE {
            return self;
        }
        Self(&WnafBase::<G1, WINDOW>::new(self.0) * &WnafScalar::<Fr, WINDOW>::new(s))
    }
}

impl Add for Point {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self(self.0 + o.0)
    }
}
impl<'a> Add<&'a Point> for Point {
    type Output = Self;
    fn add(self, o: &'a Self) -> Self {
        Self(self.0 + o.0)
    }
}
impl Sub for Point {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        Self(self.0 - o.0)
    }
}
impl<'a> Sub<&'a Point> for Point {
    type Output = Self;
    fn sub(self, o: &'a Self) -> Self {
        Self(self.0 - o.0)
    }
}
impl AddAssign for Point {
    fn add_assign(&mut self, o: Self) {
        self.0 += o.0;
    }
}
impl<'a> AddAssign<&'a Point> for Point {
    fn add_assign(&mut self, o: &'a Self) {
        self.0 += o.0;
    }
}
impl SubAssign for Point {
    fn sub_assign(&mut self, o: Self) {
        self.0 -= o.0;
    }
}
impl<'a> SubAssign<&'a Point> for Point {
    fn sub_assign(&mut self, o: &'a Self) {
        self.0 -= o.0;
    }
}
impl Mul<Fr> for Point {
    type Output = Self;
    fn mul(self, s: Fr) -> Self {
        self.times(&s)
    }
}
impl<'a> Mul<&'a Fr> for Point {
    type Output = Self;
    fn mul(self, s: &'a Fr) -> Self {
        self.times(s)
    }
}
impl MulAssign<Fr> for Point {
    fn mul_assign(&mut self, s: Fr) {
        *self = self.times(&s);
    }
}
impl<'a> MulAssign<&'a Fr> for Point {
    fn mul_assign(&mut self, s: &'a Fr) {
        *self = self.times(s);
    }
}

/// The Lagrange points of the domain of size `g.len()` (a power of two) for the monomial
/// points `g`, in halo2's order.
#[must_use]
pub fn lagrange_basis(g: &[G1Affine]) -> Vec<G1Affine> {
    let n = g.len();
    if n == 0 {
        return Vec::new();
    }
    let k = n.trailing_zeros();
    let mut omega = Fr::ROOT_OF_UNITY;
    let mut omega_inv = Fr::ROOT_OF_UNITY_INV;
    for _ in k..Fr::S {
        omega = omega.square();
        omega_inv = omega_inv.square();
    }
    let mut points: Vec<Point> = g.iter().map(|p| Point(p.to_curve())).collect();
    best_fft(&mut points, omega_inv, k, &FFTData::new(n, omega, omega_inv), true);
    let n_inv = Fr::TWO_INV.pow_vartime([u64::from(k)]);
    halo2_proofs::arithmetic::parallelize(&mut points, |chunk, _| {
        for p in chunk {
            *p = p.times(&n_inv);
        }
    });
    let projective: Vec<G1> = points.into_iter().map(|p| p.0).collect();
    let mut out = vec![G1Affine::identity(); n];
    halo2_proofs::arithmetic::parallelize(&mut out, |chunk, start| {
        G1::batch_normalize(&projective[start..start + chunk.len()], chunk);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_halo2s_group_fft() {
        let srs = crate::dev_srs(7, 3);
        let g = halo2_proofs::poly::commitment::ParamsProver::get_g(&srs);
        let ours = lagrange_basis(g);
        let halo2 = halo2_proofs::arithmetic::g_to_lagrange::<G1Affine>(
            g.iter().map(PrimeCurveAffine::to_curve).collect(),
            7,
        );
        assert_eq!(ours, halo2);
        assert_eq!(Some(ours), crate::srs::lagrange_points(&srs));
    }
}
