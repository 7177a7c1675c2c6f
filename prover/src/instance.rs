//! Public instances are field elements. Model values are small signed integers (`v < 0` is the
//! field element `r + v`); a Poseidon digest of a hashed group is any element. Files write each
//! as one canonical decimal string: the signed integer when it is within ±2^127, else the
//! element's unsigned value below r, so a value has exactly one spelling.

use halo2_proofs::halo2curves::bn256::Fr;
use halo2_proofs::halo2curves::ff::PrimeField;

/// The signed integer a field element stands for, when it is within ±2^127.
#[must_use]
pub fn signed(f: &Fr) -> Option<i128> {
    let small = |f: &Fr| {
        let r = f.to_repr();
        r[16..].iter().all(|&b| b == 0).then(|| {
            let mut lo = [0u8; 16];
            lo.copy_from_slice(&r[..16]);
            u128::from_le_bytes(lo)
        })
    };
    if let Some(v) = small(f).and_then(|v| i128::try_from(v).ok()) {
        return Some(v);
    }
    small(&-*f).and_then(|v| i128::try_from(v).ok()).map(|v| -v)
}

/// Field elements of signed integers.
#[must_use]
pub fn from_ints(values: &[i128]) -> Vec<Fr> {
    values.iter().map(|&v| zkinfer_circuits::fe(v)).collect()
}

/// The canonical decimal spelling of an instance.
#[must_use]
pub fn to_decimal(f: &Fr) -> String {
    if let Some(v) = signed(f) {
        return v.to_string();
    }
    // Little-endian 64-bit limbs, divided by 10^19 until zero.
    let repr = f.to_repr();
    let mut limbs: Vec<u64> = repr
        .chunks(8)
        .map(|c| c.iter().rev().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
        .collect();
    const BASE: u64 = 10_000_000_000_000_000_000;
    let mut parts = Vec::new();
    while limbs.iter().any(|&l| l != 0) {
        let mut rem = 0u128;
        for l in limbs.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*l);
            // cur / BASE < 2^64 because rem < BASE.
            *l = u64::try_from(cur / u128::from(BASE)).unwrap_or(u64::MAX);
            rem = cur % u128::from(BASE);
        }
        parts.push(u64::try_from(rem).unwrap_or(0));
    }
    let mut out = parts.pop().map_or_else(|| "0".to_string(), |p| p.to_string());
    for p in parts.iter().rev() {
        out.push_str(&format!("{p:019}"));
    }
    out
}

/// Parses an instance written by [`to_decimal`].
///
/// # Errors
/// Anything but a canonical spelling of a field element (signs, leading zeros or values ≥ r
/// would give one element several spellings), as [`crate::ProverError::Format`].
pub fn parse(s: &str) -> crate::Result<Fr> {
    parse_text(s).map_err(|reason| crate::ProverError::Format { path: "instance".into(), reason })
}

fn parse_text(s: &str) -> Result<Fr, String> {
    let (negative, digits) = s.strip_prefix('-').map_or((false, s), |d| (true, d));
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 80 {
        return Err(format!("instance '{s}' is not a decimal integer"));
    }
    let ten = Fr::from(10);
    let magnitude =
        digits.bytes().fold(Fr::zero(), |acc, b| acc * ten + Fr::from(u64::from(b - b'0')));
    let f = if negative { -magnitude } else { magnitude };
    if to_decimal(&f) != s {
        return Err(format!(
            "instance '{s}' is not canonical: write integers within ±2^127 as signed \
             decimals and other field elements as their value below the BN254 order r"
        ));
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_spelling_round_trips_and_is_unique() {
        let minus_one =
            "21888242871839275222246405745257275088548364400416034343698204186575808495616";
        for f in [Fr::zero(), Fr::from(7), -Fr::from(7), Fr::from_u128(1 << 126)] {
            assert_eq!(parse(&to_decimal(&f)).unwrap(), f);
        }
        let big = Fr::from_u128(u128::MAX) * Fr::from_u128(u128::MAX);
        let text = to_decimal(&big);
        assert!(text.len() > 60 && !text.starts_with('-'), "{text}");
        assert_eq!(parse(&text).unwrap(), big);
        assert_eq!(to_decimal(&-Fr::one()), "-1");
        // r − 1 is −1: only the signed spelling is accepted.
        assert!(parse(minus_one).unwrap_err().to_string().contains("canonical"));
        for bad in ["", "-", "+1", "01", "-0", "1e3", "0x10"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
