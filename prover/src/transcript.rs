//! The EVM transcript: Keccak-256 over big-endian words, the encoding the Solidity verifier
//! reads straight from calldata.
//!
//! halo2's own `Keccak256Write` hashes compressed points with domain prefixes, which a contract
//! would have to decompress (a modular square root per point). Here every point is written as
//! two 32-byte big-endian coordinates and every scalar as one 32-byte big-endian word, and the
//! state is the running byte string of what was absorbed since the last squeeze:
//! `challenge = keccak256(state || [1 if state is exactly one word]) mod r`, after which the state
//! becomes that 32-byte hash. This is the layout snark-verifier's EVM loader expects, so the
//! generated contract and this transcript agree byte for byte (tested in the verifier crate).

use halo2_proofs::halo2curves::bn256::{Fq, Fr, G1Affine};
use halo2_proofs::halo2curves::ff::{FromUniformBytes, PrimeField};
use halo2_proofs::halo2curves::{Coordinates, CurveAffine};
use halo2_proofs::transcript::{
    EncodedChallenge, Transcript, TranscriptRead, TranscriptReadBuffer, TranscriptWrite,
    TranscriptWriterBuffer,
};
use sha3::{Digest, Keccak256};
use std::io::{self, Read, Write};

/// A challenge squeezed from the EVM transcript (a hash reduced modulo r).
#[derive(Clone, Copy, Debug)]
pub struct EvmChallenge(Fr);

impl EncodedChallenge<G1Affine> for EvmChallenge {
    type Input = [u8; 32];

    fn new(hash: &[u8; 32]) -> Self {
        Self(hash_to_fr(hash))
    }

    fn get_scalar(&self) -> Fr {
        self.0
    }
}

/// Reduces a big-endian 256-bit hash modulo r.
fn hash_to_fr(hash: &[u8; 32]) -> Fr {
    let mut wide = [0u8; 64];
    for (dst, src) in wide.iter_mut().zip(hash.iter().rev()) {
        *dst = *src;
    }
    Fr::from_uniform_bytes(&wide)
}

/// The 32-byte big-endian word a field element is written as (in proofs and in calldata).
#[must_use]
pub fn be_bytes<F: PrimeField<Repr = [u8; 32]>>(f: &F) -> [u8; 32] {
    let mut r = f.to_repr();
    r.reverse();
    r
}

/// The scalar a big-endian word encodes, if it is below r (the only accepted encoding).
#[must_use]
pub fn scalar_from_word(word: &[u8; 32]) -> Option<Fr> {
    let mut le = *word;
    le.reverse();
    Option::from(Fr::from_repr(le))
}

/// Reads or writes proof bytes over `S` while absorbing them into the Keccak state.
#[derive(Debug)]
pub struct EvmTranscript<S> {
    stream: S,
    state: Vec<u8>,
}

impl<S> EvmTranscript<S> {
    /// A fresh transcript over `stream`.
    pub fn new(stream: S) -> Self {
        Self { stream, state: Vec::new() }
    }
}

impl<S> Transcript<G1Affine, EvmChallenge> for EvmTranscript<S> {
    fn squeeze_challenge(&mut self) -> EvmChallenge {
        if self.state.len() == 32 {
            self.state.push(1);
        }
        let hash: [u8; 32] = Keccak256::digest(&self.state).into();
        self.state = hash.to_vec();
        EvmChallenge::new(&hash)
    }

    fn common_point(&mut self, point: G1Affine) -> io::Result<()> {
        let c: Coordinates<G1Affine> = Option::from(point.coordinates()).ok_or_else(|| {
            io::Error::other("the point at infinity has no EVM transcript encoding")
        })?;
        self.state.extend_from_slice(&be_bytes(c.x()));
        self.state.extend_from_slice(&be_bytes(c.y()));
        Ok(())
    }

    fn common_scalar(&mut self, scalar: Fr) -> io::Result<()> {
        self.state.extend_from_slice(&be_bytes(&scalar));
        Ok(())
    }
}

impl<W: Write> TranscriptWrite<G1Affine, EvmChallenge> for EvmTranscript<W> {
    fn write_point(&mut self, point: G1Affine) -> io::Result<()> {
        self.common_point(point)?;
        let n = self.state.len();
        let (x, y) = (self.state[n - 64..n - 32].to_vec(), self.state[n - 32..].to_vec());
        self.stream.write_all(&x)?;
        self.stream.write_all(&y)
    }

    fn write_scalar(&mut self, scalar: Fr) -> io::Result<()> {
        self.common_scalar(scalar)?;
        self.stream.write_all(&be_bytes(&scalar))
    }
}

impl<R: Read> TranscriptRead<G1Affine, EvmChallenge> for EvmTranscript<R> {
    fn read_point(&mut self) -> io::Result<G1Affine> {
        let mut xy = [[0u8; 32]; 2];
        for word in &mut xy {
            self.stream.read_exact(word)?;
            word.reverse();
        }
        let x = Option::<Fq>::from(Fq::from_repr(xy[0]));
        let y = Option::<Fq>::from(Fq::from_repr(xy[1]));
        let point = x
            .zip(y)
            .and_then(|(x, y)| Option::from(G1Affine::from_xy(x, y)))
            .ok_or_else(|| io::Error::other("proof holds a point that is not on BN254 G1"))?;
        self.common_point(point)?;
        Ok(point)
    }

    fn read_scalar(&mut self) -> io::Result<Fr> {
        let mut word = [0u8; 32];
        self.stream.read_exact(&mut word)?;
        let scalar = scalar_from_word(&word)
            .ok_or_else(|| io::Error::other("proof holds a scalar that is not below r"))?;
        self.common_scalar(scalar)?;
        Ok(scalar)
    }
}

impl<R: Read> TranscriptReadBuffer<R, G1Affine, EvmChallenge> for EvmTranscript<R> {
    fn init(reader: R) -> Self {
        Self::new(reader)
    }
}

impl<W: Write> TranscriptWriterBuffer<W, G1Affine, EvmChallenge> for EvmTranscript<W> {
    fn init(writer: W) -> Self {
        Self::new(writer)
    }

    fn finalize(self) -> W {
        self.stream
    }
}
