//! A KZG commitment scheme whose commitments go through an [`Msm`] (CPU or GPU), so the prover
//! and key generation can use a GPU without forking halo2.
//!
//! [`MsmParams`] wraps the SRS and overrides `commit` and `commit_lagrange`, the two calls halo2
//! makes for every advice, lookup, permutation, vanishing and quotient commitment. The SHPLONK
//! multi-open step is halo2's own ([`ProverSHPLONK`] on the wrapped SRS): its two opening
//! commitments stay on the CPU. Proofs are ordinary KZG/SHPLONK proofs that the stock verifier
//! checks. A failed GPU MSM is logged and redone on the CPU: a proof never depends on a
//! device's health.

use crate::srs::Srs;
use halo2_proofs::arithmetic::best_multiexp;
use halo2_proofs::halo2curves::bn256::{Bn256, Fr, G1Affine, G1};
use halo2_proofs::halo2curves::serde::SerdeObject;
use halo2_proofs::poly::commitment::{Blind, CommitmentScheme, Params, ParamsProver, Prover};
use halo2_proofs::poly::kzg::commitment::ParamsKZG;
use halo2_proofs::poly::kzg::msm::MSMKZG;
use halo2_proofs::poly::kzg::multiopen::ProverSHPLONK;
use halo2_proofs::poly::{Coeff, LagrangeCoeff, Polynomial, ProverQuery};
use halo2_proofs::transcript::{EncodedChallenge, TranscriptWrite};
use halo2_proofs::SerdeFormat;
use rand::RngCore;
use std::borrow::Cow;
use std::io;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use zkinfer_gpu::{BasesId, CpuMsm, Msm};

/// The SRS with an MSM for its commitments.
#[derive(Clone, Debug)]
pub struct MsmParams<'a> {
    srs: Cow<'a, Srs>,
    msm: Arc<dyn Msm>,
    g_id: BasesId,
    lagrange: Arc<OnceLock<(BasesId, Vec<G1Affine>)>>,
}

impl<'a> MsmParams<'a> {
    /// Commits through `msm` with `srs`'s bases.
    #[must_use]
    pub fn with_msm(srs: &'a Srs, msm: Arc<dyn Msm>) -> Self {
        Self { srs: Cow::Borrowed(srs), msm, g_id: BasesId::fresh(), lagrange: Arc::default() }
    }

    fn owned(srs: Srs) -> Self {
        Self {
            srs: Cow::Owned(srs),
            msm: Arc::new(CpuMsm),
            g_id: BasesId::fresh(),
            lagrange: Arc::default(),
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

    /// The Lagrange-basis points, which `ParamsKZG` keeps private: read once from its raw
    /// serialisation (k, the monomial points, then the Lagrange points, 64 bytes each).
    fn lagrange(&self) -> &(BasesId, Vec<G1Affine>) {
        self.lagrange.get_or_init(|| {
            let n = 1usize << self.srs.k();
            let mut sink =
                LagrangeSink { skip: 4 + n * 64, want: n * 64, bytes: Vec::with_capacity(n * 64) };
            // Writing to memory cannot fail; a short result is caught by the length check below.
            let _ = self.srs.write_custom(&mut sink, SerdeFormat::RawBytesUnchecked);
            let points =
                sink.bytes.chunks_exact(64).map(G1Affine::from_raw_bytes_unchecked).collect();
            (BasesId::fresh(), points)
        })
    }

    fn run(&self, scalars: &[Fr], bases: &[G1Affine], id: BasesId) -> G1 {
        match self.msm.msm(scalars, bases, Some(id)) {
            Ok(p) => p,
            Err(e) => {
                log::warn!("{} MSM failed, redone on the CPU: {e}", self.msm.name());
                best_multiexp(scalars, &bases[..scalars.len().min(bases.len())])
            }
        }
    }
}

/// Collects the bytes `[skip, skip + want)` of a stream.
struct LagrangeSink {
    skip: usize,
    want: usize,
    bytes: Vec<u8>,
}

impl io::Write for LagrangeSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        let skipped = self.skip.min(rest.len());
        self.skip -= skipped;
        rest = &rest[skipped..];
        let take = (self.want - self.bytes.len()).min(rest.len());
        self.bytes.extend_from_slice(&rest[..take]);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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
        self.lagrange = Arc::default();
    }

    fn empty_msm(&'params self) -> Self::MSM {
        MSMKZG::new()
    }

    fn commit_lagrange(&self, poly: &Polynomial<Fr, LagrangeCoeff>, _: Blind<Fr>) -> G1 {
        let (id, bases) = self.lagrange();
        self.run(poly, bases, *id)
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
        self.run(poly, self.srs.get_g(), self.g_id)
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
}

impl<'params, 'a> Prover<'params, MsmKzg<'a>> for MsmShplonk<'params> {
    const QUERY_INSTANCE: bool = false;

    fn new(params: &'params MsmParams<'a>) -> Self {
        Self { srs: params.srs() }
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
        ProverSHPLONK::new(self.srs).create_proof(rng, transcript, queries)
    }
}
