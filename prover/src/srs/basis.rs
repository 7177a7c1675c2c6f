//! The Lagrange points of an SRS: whether it carries them, reading them out of halo2's
//! private storage, computing them once (an FFT over G1, [`super::group_fft`]) and checking
//! them against the monomial points.

use super::file::{G1_RAW, G2_RAW};
use super::points::{from_points, Srs};
use halo2_proofs::halo2curves::bn256::{Fr, G1Affine};
use halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_proofs::poly::commitment::{Params, ParamsProver};
use halo2_proofs::SerdeFormat;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

/// The SRS without its Lagrange points (see [`fit`] for how commitments are made then).
#[must_use]
pub fn without_lagrange(srs: &Srs) -> Srs {
    from_points(srs.k(), srs.get_g().to_vec(), Vec::new(), srs.g2(), srs.s_g2())
}

/// Whether an SRS carries its Lagrange points ([`fit`] and [`read_srs_for`] drop them).
#[must_use]
pub fn has_lagrange(srs: &Srs) -> bool {
    lagrange_bytes(srs, false).is_some()
}

/// The SRS's Lagrange points, when it has them.
#[must_use]
pub fn lagrange_points(srs: &Srs) -> Option<Vec<G1Affine>> {
    let bytes = lagrange_bytes(srs, true)?;
    Some(bytes.chunks_exact(64).map(G1Affine::from_raw_bytes_unchecked).collect())
}

/// The raw Lagrange points of an SRS that has them (only their presence when `keep` is
/// false: nothing is copied). halo2 keeps them private, so they are read from its raw
/// serialisation: k (4 bytes), the 2^k monomial points, the 2^k Lagrange points when present
/// (64 bytes each), then 256 bytes of G2 points; its length says whether they are there.
fn lagrange_bytes(srs: &Srs, keep: bool) -> Option<Vec<u8>> {
    /// Keeps the bytes `[skip, skip + want)` of a stream and counts them all.
    struct Sink {
        skip: usize,
        want: usize,
        bytes: Vec<u8>,
        total: u64,
    }
    impl std::io::Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.total += buf.len() as u64;
            let skipped = self.skip.min(buf.len());
            self.skip -= skipped;
            let rest = &buf[skipped..];
            let take = (self.want - self.bytes.len()).min(rest.len());
            self.bytes.extend_from_slice(&rest[..take]);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let n = usize::try_from(srs.n()).ok()?;
    let want = if keep { n * 64 } else { 0 };
    let mut sink = Sink { skip: 4 + n * 64, want, bytes: Vec::new(), total: 0 };
    // Writing to memory cannot fail; a short stream is caught by the length check.
    let _ = srs.write_custom(&mut sink, SerdeFormat::RawBytesUnchecked);
    (sink.total == 4 + 2 * srs.n() * G1_RAW + 2 * G2_RAW).then_some(sink.bytes)
}

/// The SRS with its Lagrange points, computed by an inverse FFT over the G1 points when it
/// has none ([`super::group_fft`]). That FFT costs a scalar multiplication per butterfly
/// (about a minute at k = 17 on two cores), so callers cache the result (`zkinfer` keys its
/// cache by [`points_digest`]); commitments to the small values of advice and fixed columns
/// are several times cheaper with these points than through a field FFT.
#[must_use]
pub fn with_lagrange(srs: Srs) -> Srs {
    if has_lagrange(&srs) {
        return srs;
    }
    let lagrange = super::group_fft::lagrange_basis(srs.get_g());
    from_points(srs.k(), srs.get_g().to_vec(), lagrange, srs.g2(), srs.s_g2())
}

/// Checks an SRS's Lagrange points against its monomial points: for random 64-bit r,
/// Σ r_i·L_i = Σ c_j·g_j with c the inverse FFT of r. A wrong point passes with probability
/// at most 2^-64. Costs two MSMs of 2^k points, far less than a setup or a proof.
#[must_use]
pub fn lagrange_consistent(srs: &Srs) -> bool {
    use halo2_proofs::poly::EvaluationDomain;
    let Some(lagrange) = lagrange_points(srs) else {
        return false;
    };
    let domain = EvaluationDomain::<Fr>::new(1, srs.k());
    let mut values = domain.empty_lagrange();
    let mut rng = ChaCha20Rng::from_entropy();
    for v in values.iter_mut() {
        *v = Fr::from(rand::RngCore::next_u64(&mut rng));
    }
    let lhs = halo2_proofs::arithmetic::best_multiexp(&values, &lagrange);
    let coeffs = domain.lagrange_to_coeff(values);
    let rhs = halo2_proofs::arithmetic::best_multiexp(&coeffs, srs.get_g());
    lhs == rhs
}
