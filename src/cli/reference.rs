//! The command-line reference in docs/cli.md, rendered from the CLI's own definitions so the
//! documentation cannot drift from the flags (a test compares the two).

use std::fmt::Write as _;

/// Markdown for `root` and every visible subcommand, depth first: an index, then each
/// command's full `--help` text.
pub fn markdown(root: &clap::Command) -> String {
    let mut root = root.clone();
    root.build();
    let mut commands = Vec::new();
    collect(&root, &mut commands);
    let mut out = String::new();
    let name = root.get_name().to_string();
    let _ = writeln!(out, "# `{name}` command-line reference\n");
    let _ = writeln!(
        out,
        "Generated from the CLI's own help by `{name} cli-reference > docs/cli.md` (a test fails \
         when this file is stale). `{name} COMMAND --help` prints the same text. Inputs, \
         outputs and error messages are described in [usage.md](usage.md).\n"
    );
    for c in &commands {
        let path = c.get_bin_name().unwrap_or_else(|| c.get_name());
        let about = c.get_about().map(ToString::to_string).unwrap_or_default();
        let _ = writeln!(out, "- [`{path}`](#{}): {}", anchor(path), first_line(&about));
    }
    for c in &commands {
        let path = c.get_bin_name().unwrap_or_else(|| c.get_name());
        let help = (*c).clone().render_long_help().to_string();
        let help: Vec<&str> = help.lines().map(str::trim_end).collect();
        let _ = write!(out, "\n## {path}\n\n```text\n{}\n```\n", help.join("\n").trim_end());
    }
    out
}

/// Visible subcommands below `cmd`, depth first, without clap's generated `help`.
fn collect<'a>(cmd: &'a clap::Command, out: &mut Vec<&'a clap::Command>) {
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        out.push(sub);
        collect(sub, out);
    }
}

/// The anchor GitHub gives a heading: lower case, spaces to dashes, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default().trim_end_matches('.')
}
