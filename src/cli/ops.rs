//! `zkinfer ops`: the coverage manifest.

use zkinfer::internals::model_import::coverage::{markdown, COVERAGE};

/// Arguments of `zkinfer ops`.
#[derive(clap::Args)]
pub struct Args {
    /// Print the manifest as a markdown table (docs/ops.md adds primitives and chips).
    #[arg(long)]
    markdown: bool,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

pub fn main(a: &Args) -> anyhow::Result<()> {
    if a.markdown {
        print!("{}", markdown());
    } else if a.json {
        let v: Vec<_> = COVERAGE
            .iter()
            .map(|c| serde_json::json!({"op": c.op, "family": c.family, "notes": c.notes}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        let mut rows =
            vec![vec!["op".to_string(), "family".into(), "how it is proven, and limits".into()]];
        rows.extend(
            COVERAGE
                .iter()
                .map(|c| vec![c.op.to_string(), c.family.to_string(), c.notes.to_string()]),
        );
        super::print_table(&rows);
    }
    Ok(())
}
