//! The error of parsing a setting that takes one of a few names (a visibility, a target, a
//! linear check), shared so every such setting reports the same way.

/// A name that is not one of the setting's choices.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} '{given}': expected {}", list(expected))]
pub struct UnknownChoice {
    /// The setting.
    pub what: &'static str,
    /// The name given.
    pub given: String,
    /// The names it takes.
    pub expected: &'static [&'static str],
}

impl UnknownChoice {
    /// `given` is not one of `expected` for `what`.
    #[must_use]
    pub fn new(what: &'static str, given: &str, expected: &'static [&'static str]) -> Self {
        Self { what, given: given.to_string(), expected }
    }
}

/// `'a', 'b' or 'c'`.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_setting_and_its_choices() {
        let e = UnknownChoice::new("target", "speed", &["accuracy", "balanced", "resources"]);
        assert_eq!(
            e.to_string(),
            "unknown target 'speed': expected 'accuracy', 'balanced' or 'resources'"
        );
        let e = UnknownChoice::new("linear check", "x", &["auto", "freivalds", "dot"]);
        assert_eq!(
            e.to_string(),
            "unknown linear check 'x': expected 'auto', 'freivalds' or 'dot'"
        );
    }
}
