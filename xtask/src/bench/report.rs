//! The report: one table (benchmark, median, peer, ratio, target, met), the growth of the sized
//! benchmarks, and the same table as JSON.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};

use crate::bench::pairs::Pairs;
use crate::bench::results::{Measurement, Unit};
use crate::bench::targets::{self, GROWTH, SUPERLINEAR, Target};
use crate::cmd::Result;

/// One line of the table.
#[derive(Debug)]
pub(crate) struct Line {
    pub(crate) id: String,
    pub(crate) value: f64,
    pub(crate) unit: Unit,
    pub(crate) peer: Option<(&'static str, Option<f64>)>,
    pub(crate) ratio: Option<f64>,
    /// The peer was timed in alternation inside this benchmark's samples (`cm_benchkit::Pair`):
    /// the peer median and the ratio come from those samples, not the peer's own benchmark.
    pub(crate) interleaved: bool,
    pub(crate) target: Target,
    /// `None` when there is no target, or its peer was not measured.
    pub(crate) met: Option<bool>,
}

/// The table: every measurement, once per row of the target mapping (or once, bare). A row
/// whose subject timed its peer interleaved (`pairs`) is read against that.
pub(crate) fn lines(measured: &[Measurement], pairs: &Pairs) -> Vec<Line> {
    let by_id: BTreeMap<&str, &Measurement> = measured.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut lines = Vec::new();
    for m in by_id.values() {
        let mut rows = targets::rows_of(&m.id).peekable();
        if rows.peek().is_none() {
            lines.push(Line {
                id: m.id.clone(),
                value: m.value,
                unit: m.unit,
                peer: None,
                ratio: None,
                interleaved: false,
                target: Target::None,
                met: None,
            });
        }
        for row in rows {
            let paired = row
                .peer
                .and_then(|p| pairs.get(&(m.id.clone(), p.to_owned())));
            let (peer_value, ratio) = match paired {
                Some(paired) => (Some(paired.peer_median_ns), Some(paired.ratio)),
                None => {
                    let peer_value = row
                        .peer
                        .and_then(|p| by_id.get(p))
                        .map(|p| p.value)
                        .filter(|v| *v > 0.0);
                    (peer_value, peer_value.map(|p| m.value / p))
                }
            };
            let met = match row.target {
                Target::None => None,
                Target::AtMost(bound) => Some(m.value <= bound),
                Target::RatioAtMost(bound) => ratio.map(|r| r <= bound),
                Target::RatioBelow(bound) => ratio.map(|r| r < bound),
            };
            lines.push(Line {
                id: m.id.clone(),
                value: m.value,
                unit: m.unit,
                peer: row.peer.map(|p| (p, peer_value)),
                ratio,
                interleaved: paired.is_some(),
                target: row.target,
                met,
            });
        }
    }
    lines
}

/// Ids the mapping names that this run did not measure (a renamed benchmark, or a filter).
pub(crate) fn missing(measured: &[Measurement]) -> Vec<&'static str> {
    let mut missing: Vec<&'static str> = targets::expected_ids()
        .filter(|id| !measured.iter().any(|m| m.id == *id))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

/// A value with a unit that keeps three significant figures readable.
pub(crate) fn human(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Nanoseconds => match value {
            ns if ns < 1e3 => format!("{ns:.1} ns"),
            ns if ns < 1e6 => format!("{:.2} µs", ns / 1e3),
            ns if ns < 1e9 => format!("{:.2} ms", ns / 1e6),
            ns => format!("{:.2} s", ns / 1e9),
        },
        Unit::Bytes => format!("{:.1} MiB", value / (1024.0 * 1024.0)),
    }
}

fn target_text(target: Target, unit: Unit) -> String {
    match target {
        Target::None => "—".to_owned(),
        Target::AtMost(bound) => format!("≤ {}", human(bound, unit)),
        Target::RatioAtMost(bound) => format!("≤ {bound}x"),
        Target::RatioBelow(bound) => format!("< {bound}x"),
    }
}

/// Follows the peer's id when it was timed interleaved with the subject.
fn interleaved_mark(line: &Line) -> &'static str {
    if line.interleaved {
        " (interleaved)"
    } else {
        ""
    }
}

fn met_text(line: &Line) -> &'static str {
    match (line.target, line.met) {
        (Target::None, _) => "",
        (_, Some(true)) => "yes",
        (_, Some(false)) => "NO",
        (_, None) => "?",
    }
}

/// `cell` left-aligned in `width` characters (counted as chars: `µ`, `≤` and `—` are one).
fn pad(cell: &str, width: usize) -> String {
    let len = cell.chars().count();
    format!("{cell}{}", " ".repeat(width.saturating_sub(len)))
}

fn padl(cell: &str, width: usize) -> String {
    let len = cell.chars().count();
    format!("{}{cell}", " ".repeat(width.saturating_sub(len)))
}

/// Prints the table.
pub(crate) fn print_table(lines: &[Line]) {
    let cells: Vec<[String; 7]> = lines
        .iter()
        .map(|l| {
            let (peer, peer_value) = match l.peer {
                Some((id, value)) => (
                    format!("{id}{}", interleaved_mark(l)),
                    value.map_or_else(|| "not run".to_owned(), |v| human(v, l.unit)),
                ),
                None => ("—".to_owned(), String::new()),
            };
            [
                l.id.clone(),
                human(l.value, l.unit),
                peer,
                peer_value,
                l.ratio.map(|r| format!("{r:.2}x")).unwrap_or_default(),
                target_text(l.target, l.unit),
                met_text(l).to_owned(),
            ]
        })
        .collect();
    let header = [
        "benchmark",
        "median",
        "peer (same run)",
        "peer median",
        "ratio",
        "target",
        "met",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |row: [&str; 7]| {
        format!(
            "{}  {}  {}  {}  {}  {}  {}",
            pad(row[0], widths[0]),
            padl(row[1], widths[1]),
            pad(row[2], widths[2]),
            padl(row[3], widths[3]),
            padl(row[4], widths[4]),
            pad(row[5], widths[5]),
            row[6]
        )
    };
    println!();
    println!("{}", line(header));
    println!("{}", "-".repeat(widths.iter().sum::<usize>() + 2 * 6));
    for row in &cells {
        println!("{}", line(row.each_ref().map(String::as_str)));
    }
    let measured: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.id.as_str()).collect();
    let with_target = lines.iter().filter(|l| l.met.is_some()).count();
    let missed: Vec<&Line> = lines.iter().filter(|l| l.met == Some(false)).collect();
    println!(
        "\n{} benchmarks, {} rows with a target: {} met, {} missed",
        measured.len(),
        with_target,
        with_target - missed.len(),
        missed.len()
    );
    for l in missed {
        println!("  missed: {}", missed_row(l));
    }
}

/// A missed row in one line: the id, the ratio (or value), the peer and the target.
fn missed_row(l: &Line) -> String {
    let against = l
        .peer
        .map(|(p, _)| format!(" against {p}"))
        .unwrap_or_default();
    format!(
        "{} {}{against} (target {})",
        l.id,
        l.ratio
            .map(|r| format!("{r:.2}x"))
            .unwrap_or_else(|| human(l.value, l.unit)),
        target_text(l.target, l.unit)
    )
}

/// One size of a sized benchmark, with the growth exponent from the size before it.
#[derive(Debug)]
pub(crate) struct Point {
    pub(crate) size: u64,
    pub(crate) median_ns: f64,
    /// `k` in `t ∝ n^k` between the previous size and this one.
    pub(crate) exponent: Option<f64>,
}

/// The growth of every sized benchmark of which at least two sizes were measured.
pub(crate) fn growth(measured: &[Measurement]) -> Vec<(&'static targets::Series, Vec<Point>)> {
    GROWTH
        .iter()
        .filter_map(|series| {
            let points = points_of(series, measured);
            (points.len() >= 2).then_some((series, points))
        })
        .collect()
}

/// The measured sizes of `series`, each with its exponent from the size before it.
fn points_of(series: &targets::Series, measured: &[Measurement]) -> Vec<Point> {
    let value = |id: &str| measured.iter().find(|m| m.id == id).map(|m| m.value);
    let mut points: Vec<Point> = Vec::new();
    for &(size, id) in series.points {
        let Some(median_ns) = value(id) else { continue };
        let exponent = points
            .last()
            .map(|p| (median_ns / p.median_ns).ln() / (size as f64 / p.size as f64).ln());
        points.push(Point {
            size,
            median_ns,
            exponent,
        });
    }
    points
}

/// Whether a measured series meets its growth target: `None` without a target, otherwise true
/// when every exponent between consecutive measured sizes is at most [`targets::Series::max_k`].
pub(crate) fn growth_met(series: &targets::Series, points: &[Point]) -> Option<bool> {
    let max_k = series.max_k?;
    Some(points.iter().filter_map(|p| p.exponent).all(|k| k <= max_k))
}

/// What failed the run: every targeted row that missed, and every sized series that missed its
/// growth target (one line each, ready to print). Rows whose peer was not measured (a filter)
/// are not failures: nothing was judged.
pub(crate) fn failures(
    lines: &[Line],
    growth: &[(&'static targets::Series, Vec<Point>)],
) -> Vec<String> {
    let rows = lines
        .iter()
        .filter(|l| l.met == Some(false))
        .map(missed_row);
    let series = growth
        .iter()
        .filter(|(series, points)| growth_met(series, points) == Some(false))
        .map(|(series, points)| {
            let worst = points
                .iter()
                .filter_map(|p| p.exponent)
                .fold(f64::NEG_INFINITY, f64::max);
            format!(
                "{} grows with k {worst:.2} (target k ≤ {})",
                series.name,
                series.max_k.unwrap_or_default()
            )
        });
    rows.chain(series).collect()
}

fn growth_verdict_text(series: &targets::Series, points: &[Point]) -> String {
    match (series.max_k, growth_met(series, points)) {
        (Some(max_k), Some(true)) => format!("target k ≤ {max_k}: yes"),
        (Some(max_k), _) => format!("target k ≤ {max_k}: NO"),
        (None, _) => String::new(),
    }
}

/// Prints the growth section.
pub(crate) fn print_growth(growth: &[(&'static targets::Series, Vec<Point>)]) {
    if growth.is_empty() {
        return;
    }
    println!(
        "\nGrowth: k in t ∝ n^k between consecutive sizes (1 = linear, 0 = flat); k > {SUPERLINEAR} is flagged"
    );
    let width = growth.iter().map(|(s, _)| s.name.len()).max().unwrap_or(0);
    let mut superlinear = Vec::new();
    for (series, points) in growth {
        let mut text = String::new();
        for p in points {
            if !text.is_empty() {
                text.push_str("   ");
            }
            text.push_str(&format!(
                "{}: {}",
                p.size,
                human(p.median_ns, Unit::Nanoseconds)
            ));
            if let Some(k) = p.exponent {
                let flag = if k > SUPERLINEAR { " SUPERLINEAR" } else { "" };
                text.push_str(&format!(" (k {k:.2}{flag})"));
                if k > SUPERLINEAR {
                    superlinear.push(series.name);
                }
            }
        }
        let verdict = growth_verdict_text(series, points);
        if !verdict.is_empty() {
            text.push_str(&format!("   {verdict}"));
        }
        println!("{:<width$}  [{}]  {text}", series.name, series.unit);
    }
    let judged = growth.iter().filter(|(s, p)| growth_met(s, p).is_some());
    let (judged, met) = judged.fold((0, 0), |(n, met), (s, p)| {
        (n + 1, met + usize::from(growth_met(s, p) == Some(true)))
    });
    println!(
        "{judged} sized series with a growth target: {met} met, {} missed",
        judged - met
    );
    superlinear.dedup();
    if superlinear.is_empty() {
        println!("nothing grows faster than linearly");
    } else {
        println!("faster than linear: {}", superlinear.join(", "));
    }
}

/// Writes the table as JSON: an array of rows with the fields `id`, `median_ns`, `peer`,
/// `peer_median_ns`, `ratio`, `interleaved`, `target`, `met`, plus `value` and `unit` (`"ns"`
/// or `"bytes"`).
/// A memory row has `median_ns: null` and its figure in `value`.
pub(crate) fn write_json(path: &Path, lines: &[Line]) -> Result {
    let rows: Vec<Value> = lines
        .iter()
        .map(|l| {
            let time = l.unit == Unit::Nanoseconds;
            json!({
                "id": l.id,
                "median_ns": time.then_some(l.value),
                "peer": l.peer.map(|(p, _)| p),
                "peer_median_ns": l.peer.and_then(|(_, v)| v),
                "ratio": l.ratio,
                "interleaved": l.interleaved,
                "target": match l.target {
                    Target::None => None,
                    target => Some(target_text(target, l.unit)),
                },
                "met": l.met,
                "value": l.value,
                "unit": if time { "ns" } else { "bytes" },
            })
        })
        .collect();
    let text = serde_json::to_string_pretty(&rows).map_err(|e| e.to_string())?;
    fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes the report as Markdown, ready for docs/BENCHMARKS.md: the rows with a peer or a
/// target, the growth of the sized benchmarks, and every other benchmark in one compact list.
pub(crate) fn write_markdown(
    path: &Path,
    lines: &[Line],
    growth: &[(&'static targets::Series, Vec<Point>)],
) -> Result {
    let mut md = String::from(
        "| benchmark | median | peer (same run) | peer median | ratio | target | met |\n\
         |---|---:|---|---:|---:|---|---|\n",
    );
    let mut others = Vec::new();
    for l in lines {
        if l.peer.is_none() && l.target == Target::None {
            others.push(format!("`{}` {}", l.id, human(l.value, l.unit)));
            continue;
        }
        let (peer, peer_value) = match l.peer {
            Some((id, value)) => (
                format!("`{id}`{}", interleaved_mark(l)),
                value.map_or_else(|| "not run".to_owned(), |v| human(v, l.unit)),
            ),
            None => ("—".to_owned(), String::new()),
        };
        let met = match met_text(l) {
            "NO" => "**no**",
            other => other,
        };
        md.push_str(&format!(
            "| `{}` | {} | {peer} | {peer_value} | {} | {} | {met} |\n",
            l.id,
            human(l.value, l.unit),
            l.ratio.map(|r| format!("{r:.2}x")).unwrap_or_default(),
            target_text(l.target, l.unit),
        ));
    }
    if !growth.is_empty() {
        md.push_str(
            "\n| sized benchmark | size → median (k) | growth target | met |\n|---|---|---|---|\n",
        );
        for (series, points) in growth {
            let cells: Vec<String> = points
                .iter()
                .map(|p| {
                    let k = p.exponent.map_or_else(String::new, |k| {
                        let flag = if k > SUPERLINEAR {
                            ", **superlinear**"
                        } else {
                            ""
                        };
                        format!(" (k {k:.2}{flag})")
                    });
                    format!(
                        "{} {}: {}{k}",
                        p.size,
                        series.unit,
                        human(p.median_ns, Unit::Nanoseconds)
                    )
                })
                .collect();
            let (target, met) = match (series.max_k, growth_met(series, points)) {
                (Some(max_k), Some(true)) => (format!("k ≤ {max_k}"), "yes"),
                (Some(max_k), _) => (format!("k ≤ {max_k}"), "**no**"),
                (None, _) => ("—".to_owned(), ""),
            };
            md.push_str(&format!(
                "| `{}` | {} | {target} | {met} |\n",
                series.name,
                cells.join(" · ")
            ));
        }
    }
    if !others.is_empty() {
        md.push_str(&format!("\nOther benchmarks: {}.\n", others.join(", ")));
    }
    fs::write(path, md).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::targets::Series;

    fn measured(id: &str, value: f64) -> Measurement {
        Measurement {
            id: id.to_owned(),
            value,
            unit: Unit::Nanoseconds,
            sample_iters: Vec::new(),
        }
    }

    const POINTS: &[(u64, &str)] = &[(100, "t/a_100"), (1_000, "t/a_1k"), (10_000, "t/a_10k")];

    fn flat() -> Series {
        Series {
            name: "t/a",
            unit: "items",
            points: POINTS,
            max_k: Some(0.2),
        }
    }

    fn points(values: [f64; 3]) -> Vec<Point> {
        let ms: Vec<Measurement> = POINTS
            .iter()
            .zip(values)
            .map(|((_, id), v)| measured(id, v))
            .collect();
        points_of(&flat(), &ms)
    }

    #[test]
    fn a_growth_target_is_met_only_when_every_step_is_at_or_under_it() {
        let s = flat();
        // 100 -> 1 000 -> 10 000 at 1.0, 1.3, 1.6 µs: k 0.11 and 0.09.
        assert_eq!(
            growth_met(&s, &points([1000.0, 1300.0, 1600.0])),
            Some(true)
        );
        // Flat then linear in the last decade: k 0.0 then 1.0.
        assert_eq!(
            growth_met(&s, &points([1000.0, 1000.0, 10_000.0])),
            Some(false)
        );
        let untargeted = Series {
            max_k: None,
            ..flat()
        };
        assert_eq!(growth_met(&untargeted, &points([1.0, 10.0, 100.0])), None);
    }

    #[test]
    fn failures_list_missed_rows_and_missed_growth_but_not_unjudged_rows() {
        let line = |id: &str, met: Option<bool>| Line {
            id: id.to_owned(),
            value: 10.0,
            unit: Unit::Nanoseconds,
            peer: Some(("peer/x", met.map(|_| 4.0))),
            ratio: met.map(|_| 2.5),
            interleaved: false,
            target: Target::RatioAtMost(2.0),
            met,
        };
        let lines = [
            line("a/met", Some(true)),
            line("a/missed", Some(false)),
            line("a/peer_not_run", None),
        ];
        let s: &'static Series = Box::leak(Box::new(flat()));
        let growth = vec![(s, points([1000.0, 1000.0, 10_000.0]))];
        let found = failures(&lines, &growth);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0], "a/missed 2.50x against peer/x (target ≤ 2x)");
        assert_eq!(found[1], "t/a grows with k 1.00 (target k ≤ 0.2)");
        assert!(failures(&lines[..1], &[]).is_empty());
    }

    #[test]
    fn an_interleaved_pair_is_read_instead_of_the_separate_peer() {
        use crate::bench::pairs::Paired;
        let subject = "cm_url/normalize/nucleus";
        let peer = "cm_url/url_crate_parse/nucleus";
        // Measured apart, the peer ran in a slow phase: 3x. Interleaved, 1.6x.
        let measured = [measured(subject, 900.0), measured(peer, 300.0)];
        let separate = lines(&measured, &Pairs::new());
        let row = |lines: &[Line]| {
            lines
                .iter()
                .find(|l| l.id == subject && l.peer.is_some_and(|(p, _)| p == peer))
                .map(|l| (l.ratio, l.peer.and_then(|(_, v)| v), l.interleaved, l.met))
                .unwrap()
        };
        assert_eq!(row(&separate), (Some(3.0), Some(300.0), false, Some(false)));
        let pairs = Pairs::from([(
            (subject.to_owned(), peer.to_owned()),
            Paired {
                peer_median_ns: 560.0,
                ratio: 1.6,
            },
        )]);
        let interleaved = lines(&measured, &pairs);
        assert_eq!(
            row(&interleaved),
            (Some(1.6), Some(560.0), true, Some(true))
        );
    }
}
