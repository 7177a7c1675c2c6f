//! Hex in the form Ethereum tools expect.

pub use zkinfer_prover::artifact::unhex as decode;

/// Encodes as lower-case hex with a `0x` prefix.
#[must_use]
pub fn encode_0x(bytes: &[u8]) -> String {
    format!("0x{}", zkinfer_prover::artifact::hex(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(decode("0x00ff10").unwrap(), vec![0, 255, 16]);
        assert_eq!(decode("00FF10").unwrap(), vec![0, 255, 16]);
        assert_eq!(encode_0x(&[0, 255, 16]), "0x00ff10");
        assert!(decode("abc").unwrap_err().to_string().contains("odd"));
        assert!(decode("0zz0").unwrap_err().to_string().contains("'z' at position 1"));
    }
}
