//! The processor features this build's field arithmetic needs.
//!
//! On x86-64 the BN254 field arithmetic is halo2curves' assembly, which uses MULX (BMI2) and
//! ADCX/ADOX (ADX) without checking for them: on a processor without them the first field
//! multiplication would die of an illegal instruction. Entry points (the CLI, the Python
//! module) call [`check`] first so such a machine gets an error that says what to do instead.

use crate::error::{ProverError, Result};

/// The instruction-set extensions the x86-64 assembly arithmetic uses.
#[cfg(target_arch = "x86_64")]
const NEEDED: &[&str] = &["adx", "bmi2"];
#[cfg(not(target_arch = "x86_64"))]
const NEEDED: &[&str] = &[];

/// Which field arithmetic this build uses, for `zkinfer doctor`.
#[must_use]
pub fn arithmetic() -> &'static str {
    if NEEDED.is_empty() {
        "portable field arithmetic"
    } else {
        "x86-64 assembly field arithmetic (ADX, BMI2)"
    }
}

/// Checks that this processor runs this build's field arithmetic.
///
/// # Errors
/// [`ProverError::UnsupportedCpu`] naming the missing extensions.
pub fn check() -> Result<()> {
    check_with(detected)
}

fn check_with(has: impl Fn(&str) -> bool) -> Result<()> {
    let missing: Vec<&str> = NEEDED.iter().copied().filter(|f| !has(f)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ProverError::UnsupportedCpu { missing: missing.join(", ").to_uppercase() })
    }
}

#[cfg(target_arch = "x86_64")]
fn detected(feature: &str) -> bool {
    match feature {
        "adx" => std::arch::is_x86_feature_detected!("adx"),
        "bmi2" => std::arch::is_x86_feature_detected!("bmi2"),
        _ => false,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn detected(_: &str) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_runs_the_build() {
        check().unwrap();
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn a_processor_without_the_extensions_is_refused_by_name() {
        let e = check_with(|f| f != "adx").unwrap_err().to_string();
        assert!(e.contains("lacks ADX,") && !e.contains("BMI2"), "{e}");
        let e = check_with(|_| false).unwrap_err().to_string();
        assert!(e.contains("lacks ADX, BMI2"), "{e}");
        assert!(e.contains("without halo2-axiom's `asm` feature"), "{e}");
    }
}
