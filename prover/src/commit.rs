//! A KZG commitment scheme whose commitments go through an [`Msm`] (CPU or GPU), so the prover
//! and key generation can use a GPU without forking halo2.
//!
//! [`MsmParams`] wraps the SRS and overrides `commit` and `commit_lagrange`, the two calls halo2
//! makes for every advice, lookup, permutation, vanishing and quotient commitment. The SHPLONK
//! multi-open step is halo2's own ([`ProverSHPLONK`] on the wrapped SRS): its two opening
//! commitments stay on the CPU. Proofs are ordinary KZG/SHPLONK proofs that the stock verifier
//! checks. A failed GPU MSM is logged and redone on the CPU: a proof never depends on a
//! device's health.

use crate::geometric;
use crate::profile::{self, Mark, Timeline};
use crate::srs::Srs;
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G1};
use halo2_proofs::poly::commitment::{Blind, CommitmentScheme, Params, ParamsProver, Prover};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::poly::kzg::msm::MSMKZG;
use halo2_proofs::poly::kzg::multiopen::ProverSHPLONK;
use halo2_proofs::poly::{Coeff, EvaluationDomain, LagrangeCoeff, Polynomial, ProverQuery};
use halo2_proofs::transcript::{EncodedChallenge, TranscriptWrite};
use rand::RngCore;
use std::borrow::Cow;
use std::io;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;
use zkinfer_gpu::{BasesId, CpuMsm, Msm};

/// The SRS with an MSM for its commitments.
#[derive(Clone, Debug)]
pub struct MsmParams<'a> {
    srs: Cow<'a, Srs>,
    msm: Arc<dyn Msm>,
    g_id: BasesId,
    lagrange: Arc<Lagrange>,
    timeline: Option<Arc<Timeline>>,
}

/// How commitments to values in Lagrange form are made. Decided and prepared when the
/// parameters are made, outside halo2's thread pool: preparing it lazily inside the first
/// (parallel) commitment could wait on pool work that re-enters the same initialisation.
#[derive(Debug)]
enum Lagrange {
    /// An MSM with the SRS's Lagrange points.
    Points(BasesId, Vec<G1Affine>),
    /// The SRS has none (a larger SRS shrunk, see [`crate::srs::fit`]): the values' inverse
    /// FFT over the domain, committed with the monomial points. Σ v_i·L_i(s)·G = Σ c_j·s^j·G
    /// for c = IFFT(v), so the commitment is the same point.
    Ifft(Box<EvaluationDomain<Fr>>),
}

impl Lagrange {
    fn of(srs: &Srs) -> Self {
        match crate::srs::lagrange_points(srs) {
            Some(points) => Self::Points(BasesId::fresh(), points),
            None => Self::Ifft(Box::new(EvaluationDomain::new(1, srs.k()))),
        }
    }
}

impl<'a> MsmParams<'a> {
    /// Commits through `msm` with `srs`'s bases.
    #[must_use]
    pub fn with_msm(srs: &'a Srs, msm: Arc<dyn Msm>) -> Self {
        Self {
            srs: Cow::Borrowed(srs),
            msm,
            g_id: BasesId::fresh(),
            lagrange: Arc::new(Lagrange::of(srs)),
            timeline: None,
        }
    }

    /// Records every commitment and the multi-open on `timeline` (see [`crate::profile`]).
    #[must_use]
    pub fn with_timeline(mut self, timeline: Arc<Timeline>) -> Self {
        self.timeline = Some(timeline);
        self
    }

    fn owned(srs: Srs) -> Self {
        let lagrange = Arc::new(Lagrange::of(&srs));
        Self {
            srs: Cow::Owned(srs),
            msm: Arc::new(CpuMsm),
            g_id: BasesId::fresh(),
            lagrange,
            timeline: None,
        }
    }

    /// The wrapped SRS.
    #[must_use]
    pub fn srs(&self) -> &Srs {
        &self.srs
    }

    /// The MSM in use.
    #[must_use]
    pub fn msm(&self) -> &Arc<dyn Msm> {
        &self.msm
    }

    fn run(&self, scalars: &[Fr], bases: &[G1Affine], id: Option<BasesId>) -> G1 {
        match self.msm.msm(scalars, bases, id) {
            Ok(p) => p,
            Err(e) => {
                log::warn!("{} MSM failed, redone on the CPU: {e}", self.msm.name());
                best_multiexp(scalars, &bases[..scalars.len().min(bases.len())])
            }
        }
    }
}

impl<'params> Params<'params, G1Affine> for MsmParams<'_> {
    type MSM = MSMKZG<Bn256>;

    fn k(&self) -> u32 {
        self.srs.k()
    }

    fn n(&self) -> u64 {
        self.srs.n()
    }

    fn downsize(&mut self, k: u32) {
        self.srs.to_mut().downsize(k);
        self.g_id = BasesId::fresh();
        self.lagrange = Arc::new(Lagrange::of(&self.srs));
    }

    fn empty_msm(&'params self) -> Self::MSM {
        MSMKZG::new()
    }

    fn commit_lagrange(&self, poly: &Polynomial<Fr, LagrangeCoeff>, _: Blind<Fr>) -> G1 {
        let start = Instant::now();
        let point = match self.lagrange.as_ref() {
            Lagrange::Points(id, bases) => match geometric::split(poly, self.srs.k()) {
                // c·X plus the rows that differ (see `geometric`).
                Some(g) => {
                    let (scalars, rows): (Vec<Fr>, Vec<G1Affine>) =
                        g.rest.iter().map(|&(i, d)| (d, bases[i])).unzip();
                    self.srs.get_g()[1] * g.c + self.run(&scalars, &rows, None)
                }
                None => self.run(poly, bases, Some(*id)),
            },
            Lagrange::Ifft(domain) => {
                // halo2's Lagrange polynomials span the whole domain; shorter values are the
                // same polynomial with zeros after them.
                let mut values = domain.empty_lagrange();
                debug_assert!(poly.len() <= values.len(), "values beyond the domain");
                let len = poly.len().min(values.len());
                values[0..len].copy_from_slice(&poly[0..len]);
                let coeffs = domain.lagrange_to_coeff(values);
                self.run(&coeffs, self.srs.get_g(), Some(self.g_id))
            }
        };
        profile::record(self.timeline.as_deref(), Mark::Lagrange, start);
        point
    }

    fn write<W: io::Write>(&self, writer: &mut W) -> io::Result<()> {
        Params::write(self.srs.as_ref(), writer)
    }

    fn read<R: io::Read>(reader: &mut R) -> io::Result<Self> {
        <Srs as Params<'_, G1Affine>>::read(reader).map(Self::owned)
    }
}

impl<'params> ParamsProver<'params, G1Affine> for MsmParams<'_> {
    type ParamsVerifier = ParamsKZG<Bn256>;

    fn new(k: u32) -> Self {
        Self::owned(<Srs as ParamsProver<'_, G1Affine>>::new(k))
    }

    fn commit(&self, poly: &Polynomial<Fr, Coeff>, _: Blind<Fr>) -> G1 {
        let start = Instant::now();
        let point = self.run(poly, self.srs.get_g(), Some(self.g_id));
        profile::record(self.timeline.as_deref(), Mark::Coeff, start);
        point
    }

    fn get_g(&self) -> &[G1Affine] {
        self.srs.get_g()
    }

    fn verifier_params(&'params self) -> &'params Self::ParamsVerifier {
        &self.srs
    }
}

/// KZG on BN254 with commitments through an [`Msm`].
#[derive(Debug)]
pub struct MsmKzg<'a>(PhantomData<&'a ()>);

impl<'a> CommitmentScheme for MsmKzg<'a> {
    type Scalar = Fr;
    type Curve = G1Affine;
    type ParamsProver = MsmParams<'a>;
    type ParamsVerifier = ParamsKZG<Bn256>;

    fn new_params(k: u32) -> Self::ParamsProver {
        <MsmParams<'a> as ParamsProver<'_, G1Affine>>::new(k)
    }

    fn read_params<R: io::Read>(reader: &mut R) -> io::Result<Self::ParamsProver> {
        <MsmParams<'a> as Params<'_, G1Affine>>::read(reader)
    }
}

/// halo2's SHPLONK multi-open prover on the wrapped SRS.
#[derive(Debug)]
pub struct MsmShplonk<'params> {
    srs: &'params Srs,
    timeline: Option<Arc<Timeline>>,
}

impl<'params, 'a> Prover<'params, MsmKzg<'a>> for MsmShplonk<'params> {
    const QUERY_INSTANCE: bool = false;

    fn new(params: &'params MsmParams<'a>) -> Self {
        Self { srs: params.srs(), timeline: params.timeline.clone() }
    }

    fn create_proof<'com, E: EncodedChallenge<G1Affine>, T: TranscriptWrite<G1Affine, E>, R, I>(
        &self,
        rng: R,
        transcript: &mut T,
        queries: I,
    ) -> io::Result<()>
    where
        I: IntoIterator<Item = ProverQuery<'com, G1Affine>> + Clone,
        R: RngCore,
    {
        let start = Instant::now();
        let done = ProverSHPLONK::new(self.srs).create_proof(rng, transcript, queries);
        profile::record(self.timeline.as_deref(), Mark::Open, start);
        done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_proofs::halo2curves::ff::Field;

    #[test]
    fn a_geometric_column_commits_to_the_point_of_its_values() {
        let k = 6;
        let srs = crate::srs::dev_srs(k, 3);
        let params = MsmParams::with_msm(&srs, Arc::new(CpuMsm));
        let Lagrange::Points(_, bases) = params.lagrange.as_ref() else {
            panic!("the development SRS carries its Lagrange points");
        };
        let w = geometric::omega(k);
        let c = Fr::from(1234u64);
        let mut values: Vec<Fr> = (0..64u64).map(|i| c * w.pow_vartime([i])).collect();
        values[5] = Fr::from(9u64);
        values[40] = -Fr::ONE;
        let poly = Polynomial::<Fr, LagrangeCoeff>::new(values.clone());
        assert!(geometric::split(&values, k).is_some_and(|s| s.rest.len() == 2));
        let got = params.commit_lagrange(&poly, Blind::default());
        assert_eq!(got, best_multiexp(&values, bases));
    }
}
