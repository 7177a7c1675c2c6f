//! Circuit identity, key generation and key files.

use crate::artifact::{Header, Kind};
use crate::commit::MsmParams;
use crate::error::{ProverError, Result};
use crate::identity::model_identity;
use crate::profile::{SetupPhases, Timeline};
use crate::srs::Srs;
use halo2_proofs::halo2curves::bn256::{Fq, G1Affine, G2Affine, G2};
use halo2_proofs::halo2curves::group::cofactor::CofactorGroup;
use halo2_proofs::halo2curves::group::prime::PrimeCurveAffine;
use halo2_proofs::halo2curves::group::GroupEncoding;
use halo2_proofs::halo2curves::CurveAffine;
use halo2_proofs::plonk::{keygen_pk2, ProvingKey, VerifyingKey};
use halo2_proofs::poly::commitment::ParamsProver;
use halo2_proofs::SerdeFormat;
use sha2::{Digest, Sha256};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;
use zkinfer_circuits::plan::MAX_K;
use zkinfer_circuits::{lay_out_planned, ModelCircuit, OnceCircuit, Plan, Shape};
use zkinfer_gpu::{CpuMsm, Msm};
use zkinfer_quantize::QGraph;

/// A writer that hashes what it is given.
struct HashWriter(Sha256);

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The circuit's identity: SHA-256 of the quantized graph (ops, scales, bounds, constants,
/// tables) and the layout plan, under a tag naming the circuit design (bumped whenever the
/// halo2 gates or columns or a chip's cells change, so keys cached by an older zkinfer are
/// not reused). Keys and proofs carry it.
#[must_use]
pub fn circuit_hash(q: &QGraph, plan: &Plan) -> [u8; 32] {
    let mut w = HashWriter(Sha256::new());
    w.0.update(b"zkinfer-circuit-v22");
    // Serialising plain data into a hasher cannot fail.
    // Hidden weights stay out of the hash, which proof files and keys publish: a hash of the
    // values would let anyone confirm a guessed model. Everything else (their shapes, scales
    // and bounds) still identifies the circuit.
    if q.visibility.weights.is_fixed() {
        let _ = serde_json::to_writer(&mut w, q);
    } else {
        let mut blank = q.clone();
        for t in &mut blank.tensors {
            if let Some(v) = &mut t.value {
                v.clear();
            }
        }
        let _ = serde_json::to_writer(&mut w, &blank);
    }
    // The interface is a function of the graph, hashed above; leaving it out keeps the hash
    // of circuits planned before it was recorded.
    let _ = serde_json::to_writer(&mut w, &Plan { interface: None, ..plan.clone() });
    w.0.finalize().into()
}

/// The column shape of a plan.
#[must_use]
pub fn shape(plan: &Plan) -> Shape {
    Shape {
        lanes: plan.lanes,
        late_lanes: plan.late_lanes,
        lookup_lanes: plan.lookup_lanes,
        range_lanes: plan.range_lanes,
        hash_lanes: plan.hash_lanes,
        range_only_lookups: plan.range_only_lookups,
        mac3: plan.mac3,
    }
}

/// Generates the proving key (which holds the verifying key). The circuit structure comes
/// from the graph alone, without a witness.
///
/// # Errors
/// Layout or halo2 keygen failures.
pub fn keygen(srs: &Srs, q: &QGraph, plan: &Plan) -> Result<ProvingKey<G1Affine>> {
    keygen_on(&(Arc::new(CpuMsm) as Arc<dyn Msm>), srs, q, plan)
}

/// [`keygen`] with the fixed-column commitments computed by `msm`.
///
/// # Errors
/// Layout or halo2 keygen failures.
pub fn keygen_on(
    msm: &Arc<dyn Msm>,
    srs: &Srs,
    q: &QGraph,
    plan: &Plan,
) -> Result<ProvingKey<G1Affine>> {
    keygen_profiled(msm, srs, q, plan).map(|(pk, _)| pk)
}

/// [`keygen_on`], also returning where the time went.
///
/// # Errors
/// Layout or halo2 keygen failures.
pub fn keygen_profiled(
    msm: &Arc<dyn Msm>,
    srs: &Srs,
    q: &QGraph,
    plan: &Plan,
) -> Result<(ProvingKey<G1Affine>, SetupPhases)> {
    let params = MsmParams::with_msm(srs, Arc::clone(msm));
    let timeline = Arc::new(Timeline::new());
    // One synthesis: the proving key's generation also makes the verifying key from the same
    // assembly (keygen_vk then keygen_pk would synthesize and assemble the circuit twice), and
    // the layout is freed once written.
    let circuit = OnceCircuit::new(lay_out_planned(q, None, plan)?);
    let layout = timeline.elapsed();
    let params = params.with_timeline(Arc::clone(&timeline));
    let pk = keygen_pk2(&params, &circuit, false)
        .map_err(|e| ProverError::Halo2(format!("key generation: {e:?}")))?;
    let phases =
        SetupPhases { layout, keygen: timeline.elapsed() - layout, msm: timeline.commit_seconds() };
    Ok((pk, phases))
}

fn create(path: &Path) -> Result<BufWriter<std::fs::File>> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    Ok(BufWriter::new(std::fs::File::create(path).map_err(io)?))
}

fn write_plan(w: &mut impl Write, plan: &Plan) -> std::io::Result<()> {
    let json = serde_json::to_vec(plan).map_err(std::io::Error::other)?;
    w.write_all(&u32::try_from(json.len()).unwrap_or(u32::MAX).to_le_bytes())?;
    w.write_all(&json)
}

/// Largest plan a key file may hold (a plan is a few KB; its interface names every tensor).
const MAX_PLAN_BYTES: usize = 16 << 20;
/// Largest verifying-key file read (a key is a few hundred commitments).
const MAX_VK_BYTES: u64 = 64 << 20;
/// Smallest k the planner chooses.
const MIN_K: u32 = 4;
/// Most columns of each kind a plan may ask the verifier to configure (the planner stops at
/// 4,096 gate lanes).
const MAX_LANES: usize = 4096;

/// Reads a plan, which must be in the canonical form zkinfer writes (so a key file has one
/// identity and one meaning: no unknown fields, no alternative spellings), with a column shape
/// and k within what the planner produces.
fn read_plan(r: &mut impl Read, path: &str) -> Result<Plan> {
    let bad = |reason: String| ProverError::Format { path: path.to_string(), reason };
    let mut len = [0u8; 4];
    r.read_exact(&mut len).map_err(|e| bad(e.to_string()))?;
    let len = usize::try_from(u32::from_le_bytes(len)).unwrap_or(usize::MAX);
    if len > MAX_PLAN_BYTES {
        return Err(bad(format!("layout plan of {len} bytes (at most {MAX_PLAN_BYTES})")));
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf).map_err(|e| bad(e.to_string()))?;
    let plan: Plan =
        serde_json::from_slice(&buf).map_err(|e| bad(format!("corrupt layout plan: {e}")))?;
    if serde_json::to_vec(&plan).ok().as_deref() != Some(buf.as_slice()) {
        return Err(bad("the layout plan is not in the form zkinfer writes (edited?)".into()));
    }
    check_plan(&plan).map_err(bad)?;
    Ok(plan)
}

/// The bounds every plan the planner makes keeps; a key outside them was not made by zkinfer.
fn check_plan(plan: &Plan) -> std::result::Result<(), String> {
    if !(MIN_K..=MAX_K).contains(&plan.k) {
        return Err(format!("the plan's k = {} is outside {MIN_K}..={MAX_K}", plan.k));
    }
    let lanes = plan.lanes.saturating_add(plan.late_lanes);
    if plan.lanes == 0
        || lanes > MAX_LANES
        || plan.lookup_lanes == 0
        || plan.lookup_lanes > MAX_LANES
        || plan.range_lanes > MAX_LANES
        || plan.hash_lanes > MAX_LANES
    {
        return Err(format!(
            "the plan's column shape ({} + {} gate lanes, {} + {} lookup lanes, {} Poseidon \
             lanes) is not one zkinfer makes",
            plan.lanes, plan.late_lanes, plan.lookup_lanes, plan.range_lanes, plan.hash_lanes
        ));
    }
    if plan.instances > 1usize << plan.k {
        return Err(format!(
            "{} public instances in a circuit of 2^{} rows",
            plan.instances, plan.k
        ));
    }
    if plan.interface.is_none() {
        return Err("the plan records no public interface".into());
    }
    Ok(())
}

fn open(path: &Path) -> Result<BufReader<std::fs::File>> {
    let f = std::fs::File::open(path)
        .map_err(|source| ProverError::Io { path: path.display().to_string(), source })?;
    Ok(BufReader::new(f))
}

/// A verifying key with everything needed to verify alone: the layout plan and the three
/// SRS points the KZG verifier uses, and the model identity that covers all of them.
pub struct VkBundle {
    /// Header (kind, tool version, circuit hash, k, SRS provenance).
    pub header: Header,
    /// Layout plan.
    pub plan: Plan,
    /// Verifier SRS: g[0], G2 and s·G2 at size 2^k.
    pub srs: Srs,
    /// The halo2 verifying key.
    pub vk: VerifyingKey<G1Affine>,
    /// The model identity (see [`crate::identity`]): what a verifier pins.
    pub identity: [u8; 32],
}

/// The bytes of a standalone verifying-key file: header, plan, the verifier's SRS points and
/// halo2's key.
///
/// # Errors
/// A plan that cannot be serialised.
pub fn vk_file_bytes(
    vk: &VerifyingKey<G1Affine>,
    plan: &Plan,
    srs: &Srs,
    srs_label: &str,
    hash: [u8; 32],
) -> std::io::Result<Vec<u8>> {
    let mut w = Vec::new();
    Header::new(Kind::VerifyingKey, hash, plan.k, srs_label).write(&mut w)?;
    write_plan(&mut w, plan)?;
    let g0 = srs.get_g().first().copied().unwrap_or_else(G1Affine::generator);
    w.write_all(g0.to_bytes().as_ref())?;
    w.write_all(srs.g2().to_bytes().as_ref())?;
    w.write_all(srs.s_g2().to_bytes().as_ref())?;
    vk.write(&mut w, SerdeFormat::RawBytes)?;
    Ok(w)
}

/// Writes a standalone verifying key; `srs_label` records where the SRS came from. Returns the
/// model identity of the written file. The file appears whole or not at all
/// ([`crate::artifact::write_aside`]).
///
/// # Errors
/// I/O errors.
pub fn write_vk(
    vk: &VerifyingKey<G1Affine>,
    plan: &Plan,
    srs: &Srs,
    srs_label: &str,
    hash: [u8; 32],
    path: &Path,
) -> Result<[u8; 32]> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    let bytes = vk_file_bytes(vk, plan, srs, srs_label, hash).map_err(io)?;
    crate::artifact::write_aside(path, |tmp| {
        let mut w = create(tmp)?;
        w.write_all(&bytes).map_err(io)?;
        w.flush().map_err(io)
    })?;
    Ok(model_identity(&bytes, &vk.transcript_repr()))
}

/// Reads a verifying key; when `expected` is given, checks it belongs to that circuit.
///
/// # Errors
/// Foreign, corrupt, altered or mismatched files.
pub fn read_vk(path: &Path, expected: Option<&[u8; 32]>) -> Result<VkBundle> {
    let p = path.display().to_string();
    let f =
        std::fs::File::open(path).map_err(|source| ProverError::Io { path: p.clone(), source })?;
    let mut bytes = Vec::new();
    f.take(MAX_VK_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ProverError::Io { path: p.clone(), source })?;
    if bytes.len() as u64 > MAX_VK_BYTES {
        return Err(ProverError::Format {
            path: p,
            reason: format!("larger than any verifying key ({MAX_VK_BYTES} bytes)"),
        });
    }
    let bundle = parse_vk(&bytes, &p)?;
    if let Some(h) = expected {
        bundle.header.expect_circuit(h)?;
    }
    Ok(bundle)
}

/// Parses the bytes of a verifying-key file (`path` names it in errors). Refuses anything
/// [`vk_file_bytes`] would not have written: a plan outside the planner's bounds, SRS points
/// that are not the generators or a known secret's, a halo2 key of another size or column
/// count, trailing bytes.
///
/// # Errors
/// [`ProverError::Format`] naming what is wrong.
pub fn parse_vk(bytes: &[u8], path: &str) -> Result<VkBundle> {
    let bad = |reason: String| ProverError::Format { path: path.to_string(), reason };
    let mut r = bytes;
    let header = Header::read(&mut r, Kind::VerifyingKey, path)?;
    let plan = read_plan(&mut r, path)?;
    if header.k != plan.k {
        return Err(bad(format!("the header says k = {}, the plan k = {}", header.k, plan.k)));
    }
    let mut g1 = <G1Affine as GroupEncoding>::Repr::default();
    let mut g2 = <G2Affine as GroupEncoding>::Repr::default();
    let mut sg2 = <G2Affine as GroupEncoding>::Repr::default();
    r.read_exact(g1.as_mut())
        .and_then(|()| r.read_exact(g2.as_mut()))
        .and_then(|()| r.read_exact(sg2.as_mut()))
        .map_err(|e| bad(e.to_string()))?;
    let invalid = || bad("invalid SRS point (not a canonical compressed curve point)".into());
    let g0 = g1_point(&g1).ok_or_else(invalid)?;
    let g2 = g2_point(&g2).ok_or_else(invalid)?;
    let s_g2 = g2_point(&sg2).ok_or_else(invalid)?;
    check_verifier_points(&g0, &g2, &s_g2).map_err(bad)?;
    // halo2's key starts with a version byte and k; a k other than the plan's would have it
    // build a domain of another size (and 2^k allocations for a hostile k).
    let vk_k = r.get(1..5).and_then(|b| <[u8; 4]>::try_from(b).ok()).map(u32::from_le_bytes);
    if vk_k != Some(plan.k) {
        return Err(bad(format!(
            "the halo2 key's k ({}) is not the plan's ({})",
            vk_k.map_or_else(|| "missing".into(), |k| k.to_string()),
            plan.k
        )));
    }
    let vk_start = bytes.len() - r.len();
    let vk = VerifyingKey::<G1Affine>::read::<_, ModelCircuit>(
        &mut r,
        SerdeFormat::RawBytes,
        shape(&plan),
    )
    .map_err(|e| bad(format!("corrupt verifying key: {e}")))?;
    if !r.is_empty() {
        return Err(bad(format!("{} bytes after the verifying key", r.len())));
    }
    if vk.fixed_commitments().len() != vk.cs().num_fixed_columns() {
        return Err(bad(format!(
            "the key commits to {} fixed columns, its plan's circuit has {}",
            vk.fixed_commitments().len(),
            vk.cs().num_fixed_columns()
        )));
    }
    // halo2's raw reader checks coordinates against the modulus but not the curve equation.
    let commitments = vk.fixed_commitments().iter().chain(vk.permutation().commitments());
    if !commitments.into_iter().all(|c| bool::from(c.is_on_curve())) {
        return Err(bad("a commitment of the key is not a curve point (altered key)".into()));
    }
    // One encoding per key: halo2 re-encodes what it read to the same bytes.
    if vk.to_bytes(SerdeFormat::RawBytes) != bytes[vk_start..] {
        return Err(bad("the halo2 key is not in canonical form".into()));
    }
    // The verifier's points only: g0, G2 and s·G2.
    let srs = crate::srs::from_points(plan.k, vec![g0], Vec::new(), g2, s_g2);
    let identity = model_identity(bytes, &vk.transcript_repr());
    Ok(VkBundle { header, plan, srs, vk, identity })
}

/// A G1 point from its canonical compressed encoding (the one `to_bytes` gives back).
fn g1_point(repr: &<G1Affine as GroupEncoding>::Repr) -> Option<G1Affine> {
    let p: G1Affine = Option::from(G1Affine::from_bytes(repr))?;
    (p.to_bytes().as_ref() == repr.as_ref()).then_some(p)
}

/// A G2 point from its canonical compressed encoding. halo2curves' decoder panics on a
/// coordinate that is not below the field modulus, so both halves of x are checked first.
fn g2_point(repr: &<G2Affine as GroupEncoding>::Repr) -> Option<G2Affine> {
    let bytes: &[u8] = repr.as_ref();
    let c0: [u8; 32] = bytes.get(..32)?.try_into().ok()?;
    // The flags (infinity, sign of y) sit in the top two bits of the last byte.
    let mut c1: [u8; 32] = bytes.get(32..64)?.try_into().ok()?;
    c1[31] &= 0b0011_1111;
    let canonical = |h: &[u8; 32]| bool::from(Fq::from_bytes(h).is_some());
    if !canonical(&c0) || !canonical(&c1) {
        return None;
    }
    let p: G2Affine = Option::from(G2Affine::from_bytes(repr))?;
    (p.to_bytes().as_ref() == bytes).then_some(p)
}

/// The verifier's SRS points must be the generators and s·G2 must not reveal its secret:
/// an identity G2 point drops its pairing out of the check (every proof passes), and a secret
/// of 0, 1 or −1 is known to everyone.
fn check_verifier_points(
    g0: &G1Affine,
    g2: &G2Affine,
    s_g2: &G2Affine,
) -> std::result::Result<(), String> {
    if *g0 != G1Affine::generator() {
        return Err("the key's first SRS point is not the G1 generator (altered key)".into());
    }
    if *g2 != G2Affine::generator() {
        return Err("the key's G2 point is not the G2 generator (altered key)".into());
    }
    if !bool::from(G2::from(*s_g2).is_torsion_free()) {
        return Err("the key's s·G2 is not in the prime-order subgroup (altered key)".into());
    }
    if bool::from(s_g2.is_identity()) || *s_g2 == *g2 || *s_g2 == -*g2 {
        return Err("the key's s·G2 has a known secret (0, 1 or −1): anyone could forge proofs \
                    (altered key or uncontributed SRS)"
            .into());
    }
    Ok(())
}

/// Writes a proving key with its header, plan and the model identity of its verifying key
/// (from [`write_vk`]), which proofs made with it name; whole or not at all, as [`write_vk`].
///
/// # Errors
/// I/O errors.
pub fn write_pk(
    pk: &ProvingKey<G1Affine>,
    plan: &Plan,
    hash: [u8; 32],
    identity: [u8; 32],
    path: &Path,
) -> Result<()> {
    let io = |source| ProverError::Io { path: path.display().to_string(), source };
    crate::artifact::write_aside(path, |tmp| {
        let mut w = create(tmp)?;
        Header::new(Kind::ProvingKey, hash, plan.k, "").write(&mut w).map_err(io)?;
        write_plan(&mut w, plan).map_err(io)?;
        w.write_all(&identity).map_err(io)?;
        pk.write(&mut w, SerdeFormat::RawBytesUnchecked).map_err(io)?;
        w.flush().map_err(io)
    })
}

/// A proving key read back: the key, its plan and the model identity of its verifying key.
pub struct PkFile {
    /// The halo2 proving key.
    pub pk: ProvingKey<G1Affine>,
    /// Layout plan.
    pub plan: Plan,
    /// Model identity of the verifying key written with it.
    pub identity: [u8; 32],
}

/// Reads a proving key, checking it belongs to the circuit with `hash`.
///
/// # Errors
/// Foreign, corrupt or mismatched files.
pub fn read_pk(path: &Path, hash: &[u8; 32]) -> Result<PkFile> {
    read_pk_from(&mut open(path)?, hash, &path.display().to_string())
}

/// [`read_pk`] from any seekable reader (`path` names it in errors). halo2's reader panics on
/// a short or malformed key, so the key's layout is walked first: every polynomial's length
/// must be within the circuit's domain and the lengths must add up to exactly the bytes there.
///
/// # Errors
/// Foreign, corrupt or mismatched data.
pub fn read_pk_from(r: &mut (impl Read + Seek), hash: &[u8; 32], path: &str) -> Result<PkFile> {
    let bad = |reason: String| ProverError::Format { path: path.to_string(), reason };
    let io = |e: std::io::Error| bad(format!("corrupt proving key: {e}"));
    let header = Header::read(r, Kind::ProvingKey, path)?;
    header.expect_circuit(hash)?;
    let plan = read_plan(r, path)?;
    let mut identity = [0u8; 32];
    r.read_exact(&mut identity).map_err(io)?;
    let start = r.stream_position().map_err(io)?;
    let mut head = [0u8; 5];
    r.read_exact(&mut head).map_err(io)?;
    // The key's k sizes every polynomial it holds: it must be the plan's.
    let k = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
    if k != plan.k || header.k != plan.k {
        return Err(bad(format!("the proving key's k ({k}) is not the plan's ({})", plan.k)));
    }
    r.seek(SeekFrom::Start(start)).map_err(io)?;
    // The checked format returns errors where the unchecked one halo2 reads keys with panics
    // (the bytes are the same: uncompressed points).
    let vk =
        VerifyingKey::<G1Affine>::read::<_, ModelCircuit>(r, SerdeFormat::RawBytes, shape(&plan))
            .map_err(io)?;
    if vk.fixed_commitments().len() != vk.cs().num_fixed_columns() {
        return Err(bad("the key's fixed columns are not its plan's".into()));
    }
    let polys_at = r.stream_position().map_err(io)?;
    let end = r.seek(SeekFrom::End(0)).map_err(io)?;
    r.seek(SeekFrom::Start(polys_at)).map_err(io)?;
    let shape_of = PkShape {
        extended: u64::try_from(vk.get_domain().extended_len()).unwrap_or(u64::MAX),
        n: 1u64 << plan.k,
        fixed: u64::try_from(vk.cs().num_fixed_columns()).unwrap_or(u64::MAX),
        permutation: u64::try_from(vk.cs().permutation().get_columns().len()).unwrap_or(u64::MAX),
    };
    check_pk_polys(r, &shape_of, end).map_err(bad)?;
    r.seek(SeekFrom::Start(start)).map_err(io)?;
    let pk = ProvingKey::read::<_, ModelCircuit>(r, SerdeFormat::RawBytesUnchecked, shape(&plan))
        .map_err(io)?;
    Ok(PkFile { pk, plan, identity })
}

/// What the polynomials of a proving key must be: three on the extended domain (l0, l_last,
/// l_active_row), then the fixed columns' values and coefficients, then the permutation's,
/// each of n values.
struct PkShape {
    extended: u64,
    n: u64,
    fixed: u64,
    permutation: u64,
}

/// Walks the polynomials after a proving key's verifying key, checking every count and length
/// prefix against the circuit (`shape`) and that they end exactly at `end`, so halo2's reader
/// (which panics on a short read) cannot run out and the key it builds has the circuit's
/// shape (a proof would index out of bounds otherwise).
fn check_pk_polys(
    r: &mut (impl Read + Seek),
    shape: &PkShape,
    end: u64,
) -> std::result::Result<(), String> {
    for _ in 0..3 {
        skip_poly(r, shape.extended, end)?;
    }
    for (what, count) in [
        ("fixed values", shape.fixed),
        ("fixed polynomials", shape.fixed),
        ("permutation values", shape.permutation),
        ("permutation polynomials", shape.permutation),
    ] {
        let found = read_len(r)?;
        if found != count {
            return Err(format!("{found} {what}, the circuit has {count}"));
        }
        for _ in 0..count {
            skip_poly(r, shape.n, end)?;
        }
    }
    let at = r.stream_position().map_err(|e| e.to_string())?;
    if at != end {
        return Err(format!("{} bytes after the proving key", end.saturating_sub(at)));
    }
    Ok(())
}

fn read_len(r: &mut impl Read) -> std::result::Result<u64, String> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b).map_err(|e| format!("truncated proving key: {e}"))?;
    Ok(u64::from(u32::from_be_bytes(b)))
}

fn skip_poly(
    r: &mut (impl Read + Seek),
    max_len: u64,
    end: u64,
) -> std::result::Result<(), String> {
    let len = read_len(r)?;
    if len > max_len {
        return Err(format!("a polynomial of {len} values (at most {max_len} in this circuit)"));
    }
    let at = r.stream_position().map_err(|e| e.to_string())?;
    let next = at + 32 * len;
    if next > end {
        return Err("truncated proving key".into());
    }
    r.seek(SeekFrom::Start(next)).map_err(|e| e.to_string())?;
    Ok(())
}
