//! The decision a receipt states, decoded from the proven outputs by a named rule, so a reader
//! sees "approve" rather than a logit, and a verifier can decode it again and compare.

use crate::error::{ReceiptError, Result};
use serde::{Deserialize, Serialize};
use zkinfer_prover::proof_file::ProvenTensor;

/// How to turn outputs into a decision.
#[derive(Clone, Debug, PartialEq)]
pub enum DecisionRule {
    /// The index of the largest value of an output (the first on ties), named by `labels`.
    Argmax {
        /// Output name (default: the first output).
        output: Option<String>,
        /// Label of each index (optional).
        labels: Vec<String>,
    },
    /// Whether one element of an output is at least `threshold`; `labels` names
    /// (below, at-or-above).
    Threshold {
        /// Output name (default: the first output).
        output: Option<String>,
        /// Element index (row-major).
        element: usize,
        /// The threshold.
        threshold: f64,
        /// Labels for below and at-or-above (empty or two).
        labels: Vec<String>,
    },
    /// No decision: the outputs speak for themselves.
    None,
}

impl DecisionRule {
    /// Parses `argmax`, `threshold:T` or `threshold:T@ELEMENT`, or `none`, with labels
    /// given separately.
    ///
    /// # Errors
    /// [`ReceiptError::Format`] saying which forms are accepted.
    pub fn parse(text: &str, output: Option<String>, labels: Vec<String>) -> Result<Self> {
        Self::parse_text(text, output, labels)
            .map_err(|reason| ReceiptError::format("decision rule", reason))
    }

    fn parse_text(
        text: &str,
        output: Option<String>,
        labels: Vec<String>,
    ) -> std::result::Result<Self, String> {
        let hint = "expected argmax, threshold:T (e.g. threshold:0.5, threshold:0.5@2) or none";
        match text.split_once(':') {
            None if text == "argmax" => Ok(Self::Argmax { output, labels }),
            None if text == "none" => Ok(Self::None),
            Some(("threshold", rest)) => {
                let (t, element) = match rest.split_once('@') {
                    Some((t, e)) => {
                        (t, e.parse().map_err(|_| format!("bad element '{e}'; {hint}"))?)
                    }
                    None => (rest, 0),
                };
                let threshold: f64 =
                    t.parse().map_err(|_| format!("bad threshold '{t}'; {hint}"))?;
                if !threshold.is_finite() {
                    return Err(format!("threshold {t} is not finite"));
                }
                if !(labels.is_empty() || labels.len() == 2) {
                    return Err(format!(
                        "a threshold takes two labels (below, at-or-above), not {}",
                        labels.len()
                    ));
                }
                Ok(Self::Threshold { output, element, threshold, labels })
            }
            _ => Err(format!("unknown decision rule '{text}'; {hint}")),
        }
    }
}

/// A decoded decision, with the rule that decoded it so it can be decoded again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "lowercase", deny_unknown_fields)]
pub enum Decision {
    /// See [`DecisionRule::Argmax`].
    Argmax {
        /// Output decoded.
        output: String,
        /// Labels of the indices.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        labels: Vec<String>,
        /// The winning index.
        index: usize,
        /// Its label, when labels were given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        /// Its proven value.
        value: f64,
    },
    /// See [`DecisionRule::Threshold`].
    Threshold {
        /// Output decoded.
        output: String,
        /// Element compared.
        element: usize,
        /// Threshold.
        threshold: f64,
        /// Labels (below, at-or-above).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        labels: Vec<String>,
        /// The element's proven value.
        value: f64,
        /// Whether `value >= threshold`.
        above: bool,
        /// The matching label, when labels were given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
    },
    /// No decision.
    None,
}

impl Decision {
    /// Decodes `rule` on the proven `outputs`.
    ///
    /// # Errors
    /// [`ReceiptError::Format`] if the output is missing (e.g. private), empty or too short,
    /// or the labels do not fit it.
    pub fn decode(rule: &DecisionRule, outputs: &[ProvenTensor]) -> Result<Self> {
        let pick = |name: &Option<String>| -> Result<&ProvenTensor> {
            let found = match name {
                Some(n) => outputs.iter().find(|o| &o.name == n),
                None => outputs.first(),
            };
            found.ok_or_else(|| {
                let listed: Vec<&str> = outputs.iter().map(|o| o.name.as_str()).collect();
                ReceiptError::format(
                    "decision",
                    format!(
                        "output {} is not among the proven outputs [{}]{}",
                        name.as_deref().unwrap_or("(first)"),
                        listed.join(", "),
                        if outputs.is_empty() {
                            " (the proof keeps its outputs private; use --decision none)"
                        } else {
                            ""
                        }
                    ),
                )
            })
        };
        match rule {
            DecisionRule::None => Ok(Self::None),
            DecisionRule::Argmax { output, labels } => {
                let o = pick(output)?;
                let (index, value) = o
                    .values
                    .iter()
                    .copied()
                    .enumerate()
                    .fold(None, |best: Option<(usize, f64)>, (i, v)| match best {
                        Some((_, b)) if b >= v => best,
                        _ => Some((i, v)),
                    })
                    .ok_or_else(|| {
                        ReceiptError::format("decision", format!("output {} is empty", o.name))
                    })?;
                if !labels.is_empty() && labels.len() != o.values.len() {
                    return Err(ReceiptError::format(
                        "decision",
                        format!(
                            "{} labels for {} values of {}",
                            labels.len(),
                            o.values.len(),
                            o.name
                        ),
                    ));
                }
                Ok(Self::Argmax {
                    output: o.name.clone(),
                    labels: labels.clone(),
                    index,
                    label: labels.get(index).cloned(),
                    value,
                })
            }
            DecisionRule::Threshold { output, element, threshold, labels } => {
                let o = pick(output)?;
                let value = *o.values.get(*element).ok_or_else(|| {
                    ReceiptError::format(
                        "decision",
                        format!(
                            "element {element} is beyond the {} values of {}",
                            o.values.len(),
                            o.name
                        ),
                    )
                })?;
                let above = value >= *threshold;
                Ok(Self::Threshold {
                    output: o.name.clone(),
                    element: *element,
                    threshold: *threshold,
                    labels: labels.clone(),
                    value,
                    above,
                    label: labels.get(usize::from(above)).cloned(),
                })
            }
        }
    }

    /// The rule that decoded this decision.
    #[must_use]
    pub fn rule(&self) -> DecisionRule {
        match self {
            Self::Argmax { output, labels, .. } => {
                DecisionRule::Argmax { output: Some(output.clone()), labels: labels.clone() }
            }
            Self::Threshold { output, element, threshold, labels, .. } => DecisionRule::Threshold {
                output: Some(output.clone()),
                element: *element,
                threshold: *threshold,
                labels: labels.clone(),
            },
            Self::None => DecisionRule::None,
        }
    }

    /// One line for people: `argmax of logits = 3 ("cat")`.
    #[must_use]
    pub fn describe(&self) -> String {
        // Names and labels come from the receipt: control characters (terminal escapes that
        // could hide a line) are shown escaped.
        let text = self.describe_raw();
        if text.chars().any(char::is_control) {
            text.escape_debug().to_string()
        } else {
            text
        }
    }

    fn describe_raw(&self) -> String {
        let named =
            |l: &Option<String>| l.as_ref().map(|l| format!(" (\"{l}\")")).unwrap_or_default();
        match self {
            Self::Argmax { output, index, label, value, .. } => {
                format!("argmax of {output} = {index}{} (value {value})", named(label))
            }
            Self::Threshold { output, element, threshold, value, above, label, .. } => format!(
                "threshold on {output}[{element}]: {value} {} {threshold}{}",
                if *above { ">=" } else { "<" },
                named(label)
            ),
            Self::None => "none (no decision rule)".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(values: Vec<f64>) -> Vec<ProvenTensor> {
        vec![ProvenTensor {
            name: "y".into(),
            shape: vec![values.len()],
            scale: 0,
            values,
            integers: vec![],
        }]
    }

    #[test]
    fn argmax_and_threshold() {
        let labels = vec!["deny".to_string(), "approve".to_string()];
        let rule = DecisionRule::parse("argmax", None, labels.clone()).unwrap();
        let d = Decision::decode(&rule, &out(vec![0.1, 0.9])).unwrap();
        assert!(matches!(&d, Decision::Argmax { index: 1, label: Some(l), .. } if l == "approve"));
        assert_eq!(Decision::decode(&d.rule(), &out(vec![0.1, 0.9])).unwrap(), d);
        let tie = Decision::decode(&rule, &out(vec![0.5, 0.5])).unwrap();
        assert!(matches!(tie, Decision::Argmax { index: 0, .. }), "first index wins ties");
        let t = DecisionRule::parse("threshold:0.5@1", None, labels).unwrap();
        let d = Decision::decode(&t, &out(vec![0.9, 0.5])).unwrap();
        assert!(
            matches!(&d, Decision::Threshold { above: true, label: Some(l), .. } if l == "approve")
        );
        assert!(Decision::decode(&t, &out(vec![0.9])).is_err());
        assert!(Decision::decode(&rule, &[]).is_err());
        assert!(DecisionRule::parse("threshold:x", None, vec![]).is_err());
        assert!(DecisionRule::parse("median", None, vec![]).is_err());
    }
}
