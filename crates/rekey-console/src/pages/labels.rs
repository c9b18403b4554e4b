//! Which label sits where, and how labels moved: the versions drawn with
//! their labels, and the secret's write records replayed, oldest first,
//! through the model's own staging rules (`rekey_model::staging`), so that
//! each step of the picture is where the API put the labels.

use crate::api::{Caller, Failure};
use crate::page::{when, when_seconds};
use maud::{Markup, html};
use rekey_model::api::SecretVersionsListEntry;
use rekey_model::staging::{Labels, StagingLabel, VersionId};
use serde_json::{Value, json};

/// A version id, shortened for a picture or a sentence: its first and
/// last characters (ids that share a prefix stay apart).
pub fn short(version: &str) -> String {
    match (version.get(..8), version.get(version.len().saturating_sub(4)..)) {
        (Some(head), Some(tail)) if version.len() > 12 => format!("{head}…{tail}"),
        _ => version.to_string(),
    }
}

fn label_class(label: &str) -> &'static str {
    match label {
        "AWSCURRENT" => "current",
        "AWSPREVIOUS" => "previous",
        "AWSPENDING" => "pending",
        _ => "version",
    }
}

/// Which label sits on which version, drawn: versions left to right as
/// they were made, their labels under them.
pub fn labels_picture(versions: &[SecretVersionsListEntry]) -> Markup {
    const W: usize = 172;
    let shown = &versions[versions.len().saturating_sub(8)..];
    let most = shown.iter().map(|v| v.version_stages.as_ref().map_or(0, Vec::len)).max().unwrap_or(0);
    let width = 16 + W * shown.len().max(1);
    let height = 78 + 24 * most.max(1);
    let description = shown
        .iter()
        .map(|v| {
            let stages = v.version_stages.clone().unwrap_or_default();
            format!(
                "version {} has {}",
                short(v.version_id.as_deref().unwrap_or("")),
                if stages.is_empty() { "no label".to_string() } else { stages.join(", ") }
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        svg class="labels" role="img" aria-label=(format!("Labels: {description}")) width=(width) height=(height)
            viewBox=(format!("0 0 {width} {height}")) xmlns="http://www.w3.org/2000/svg" {
            @if versions.len() > shown.len() {
                text x="8" y="12" { "… " (versions.len() - shown.len()) " older versions not drawn" }
            }
            @for (i, v) in shown.iter().enumerate() {
                @let x = 8 + i * W;
                @let stages = v.version_stages.clone().unwrap_or_default();
                @let class = stages.first().map_or("version", |s| label_class(s));
                rect class=(class) x=(x) y="18" width=(W - 16) height="44" rx="6" {}
                text x=(x + 8) y="36" { (short(v.version_id.as_deref().unwrap_or(""))) }
                text x=(x + 8) y="54" { (when(v.created_date).get(..10).unwrap_or("")) }
                @if i + 1 < shown.len() {
                    line class="move" x1=(x + W - 16) y1="40" x2=(x + W - 8) y2="40" {}
                }
                @for (k, s) in stages.iter().enumerate() {
                    rect class=(label_class(s)) x=(x + 4) y=(70 + 24 * k) width=(W - 24) height="20" rx="10" {}
                    text x=(x + 14) y=(84 + 24 * k) { (s) }
                }
            }
        }
    }
}

/// One write that moved labels, as the trail tells it, and where the
/// labels stood after it.
pub struct Move {
    time: String,
    event: String,
    who: String,
    what: String,
    after: Vec<(String, String)>,
}

/// What a record did to the labels, in the model's terms.
enum Change {
    /// A new version, with the labels asked for (`None`: AWSCURRENT).
    NewVersion(VersionId, Option<Vec<StagingLabel>>),
    /// UpdateSecretVersionStage.
    Stage { label: StagingLabel, from: Option<VersionId>, to: Option<VersionId> },
    /// RotateSecret: AWSPENDING on the new version.
    Pending(VersionId),
    /// A rotation finished: AWSCURRENT on the pending version.
    Finished,
    /// A manual write took AWSPENDING away.
    Abandoned,
}

fn change_of(event: &str, record: &Value) -> Option<Change> {
    let req = &record["requestParameters"];
    let resp = &record["responseElements"];
    let id = |v: &Value| v.as_str().map(VersionId::new);
    Some(match event {
        "CreateSecret" | "PutSecretValue" | "UpdateSecret" => {
            let stages = req["versionStages"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(StagingLabel::new).collect::<Vec<_>>());
            Change::NewVersion(id(&resp["versionId"])?, stages)
        }
        "UpdateSecretVersionStage" => Change::Stage {
            label: StagingLabel::new(req["versionStage"].as_str()?),
            from: id(&req["removeFromVersionId"]),
            to: id(&req["moveToVersionId"]),
        },
        "RotateSecret" => Change::Pending(id(&resp["versionId"])?),
        "RotationSucceeded" => Change::Finished,
        "RotationAbandoned" => Change::Abandoned,
        _ => return None,
    })
}

impl Change {
    /// Applies the change as the API did; what to say of it.
    fn apply(&self, labels: &mut Labels) -> String {
        match self {
            Change::NewVersion(v, stages) => {
                let first = labels.iter().next().is_none();
                let _ = labels.place_new_version(v, stages.as_deref(), first);
                let named = stages.as_ref().map(|s| s.iter().map(StagingLabel::as_str).collect::<Vec<_>>().join(", "));
                format!(
                    "{} → new version {}",
                    named.filter(|n| !n.is_empty()).unwrap_or("AWSCURRENT".into()),
                    short(v.as_str())
                )
            }
            Change::Stage { label, from, to } => {
                let _ = labels.update_stage(label, from.as_ref(), to.as_ref(), |_| true);
                match (from, to) {
                    (Some(f), Some(t)) => format!("{label}: {} → {}", short(f.as_str()), short(t.as_str())),
                    (None, Some(t)) => format!("{label} → {}", short(t.as_str())),
                    (Some(f), None) => format!("{label} removed from {}", short(f.as_str())),
                    (None, None) => format!("{label} unchanged"),
                }
            }
            Change::Pending(v) => {
                let _ = labels.set(StagingLabel::pending(), v);
                format!("AWSPENDING → {} (rotation started)", short(v.as_str()))
            }
            Change::Finished => {
                let current = labels.holder(StagingLabel::CURRENT).cloned();
                match labels.holder(StagingLabel::PENDING).cloned() {
                    Some(p) if current.as_ref() != Some(&p) => {
                        let _ = labels.update_stage(&StagingLabel::current(), current.as_ref(), Some(&p), |_| true);
                        format!("AWSCURRENT → {} (rotation finished)", short(p.as_str()))
                    }
                    _ => "rotation finished".into(),
                }
            }
            Change::Abandoned => {
                labels.detach(StagingLabel::PENDING);
                "AWSPENDING taken off by a manual change".into()
            }
        }
    }
}

/// How labels moved: the secret's write records (the newest 200),
/// replayed oldest first; newest first in the answer.
pub async fn history(caller: &Caller<'_>, name: &str) -> Result<Vec<Move>, Failure> {
    let answer = caller
        .call(
            "rekey.LookupEvents",
            &json!({
                "LookupAttributes": [
                    {"AttributeKey": "ResourceName", "AttributeValue": name},
                    {"AttributeKey": "ReadOnly", "AttributeValue": "false"}
                ],
                "MaxResults": 200
            }),
        )
        .await?;
    let events = answer["Events"].as_array().cloned().unwrap_or_default();
    let mut labels = Labels::default();
    let mut out = Vec::new();
    for e in events.iter().rev() {
        let record: Value =
            e["CloudTrailEvent"].as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null);
        // A refused call moved nothing.
        if !record["errorCode"].is_null() {
            continue;
        }
        let event = e["EventName"].as_str().unwrap_or("");
        let Some(change) = change_of(event, &record) else { continue };
        let what = change.apply(&mut labels);
        out.push(Move {
            time: when_seconds(e["EventTime"].as_f64()),
            event: event.to_string(),
            who: e["Username"].as_str().unwrap_or("").to_string(),
            what,
            after: labels.iter().map(|(l, v)| (l.as_str().to_string(), v.as_str().to_string())).collect(),
        });
    }
    out.reverse();
    Ok(out)
}

/// The moves as a picture: a column per move (oldest left, the last 6),
/// a row per label, each cell the version the label was on after it.
pub fn moves_picture(moves: &[Move]) -> Markup {
    const COL: usize = 180;
    const ROW: usize = 26;
    const LEFT: usize = 108;
    let shown: Vec<&Move> = moves.iter().take(6).collect::<Vec<_>>().into_iter().rev().collect();
    let mut rows: Vec<String> = Vec::new();
    for m in &shown {
        for (label, _) in &m.after {
            if !rows.contains(label) {
                rows.push(label.clone());
            }
        }
    }
    rows.sort_by_key(|l| match l.as_str() {
        "AWSCURRENT" => (0, l.clone()),
        "AWSPREVIOUS" => (1, l.clone()),
        "AWSPENDING" => (2, l.clone()),
        _ => (3, l.clone()),
    });
    let width = LEFT + COL * shown.len().max(1) + 8;
    let height = 40 + ROW * rows.len().max(1);
    html! {
        svg class="labels moves" role="img" width=(width) height=(height) viewBox=(format!("0 0 {width} {height}"))
            aria-label="How the labels moved: the table below says the same" xmlns="http://www.w3.org/2000/svg" {
            @for (i, m) in shown.iter().enumerate() {
                text x=(LEFT + COL * i + 4) y="14" { (m.event) }
                text x=(LEFT + COL * i + 4) y="28" class="when" { (m.time.get(5..16).unwrap_or("")) }
            }
            @for (r, label) in rows.iter().enumerate() {
                text x="4" y=(54 + ROW * r) { (label) }
                @for (i, m) in shown.iter().enumerate() {
                    @if let Some((_, v)) = m.after.iter().find(|(l, _)| l == label) {
                        @let moved = i == 0 || shown[i - 1].after.iter().find(|(l, _)| l == label).map(|(_, p)| p) != Some(v);
                        rect class=(if moved { label_class(label) } else { "version" }) x=(LEFT + COL * i) y=(38 + ROW * r)
                            width=(COL - 8) height=(ROW - 6) rx="8" {}
                        text x=(LEFT + COL * i + 8) y=(54 + ROW * r) { (short(v)) }
                    }
                }
            }
        }
    }
}

/// The moves as a table (what the picture draws, for every reader).
pub fn moves_table(moves: &[Move]) -> Markup {
    html! {
        table {
            thead { tr { th scope="col" { "When" } th scope="col" { "Event" } th scope="col" { "Move" } th scope="col" { "By" } } }
            tbody { @for m in moves { tr { td { (m.time) } td { (m.event) } td class="mono" { (m.what) } td { (m.who) } } } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(records: &[(&str, Value)]) -> (Labels, Vec<String>) {
        let mut labels = Labels::default();
        let said = records.iter().filter_map(|(e, r)| change_of(e, r)).map(|c| c.apply(&mut labels)).collect();
        (labels, said)
    }

    fn holder(labels: &Labels, label: &str) -> Option<String> {
        labels.holder(label).map(|v| v.as_str().to_string())
    }

    #[test]
    fn the_trail_replays_through_the_staging_rules() {
        let v = |n: u8| format!("{n:0>36}");
        let (labels, said) = replay(&[
            ("CreateSecret", json!({"responseElements": {"versionId": v(1)}})),
            ("PutSecretValue", json!({"responseElements": {"versionId": v(2)}})),
            ("RotateSecret", json!({"responseElements": {"versionId": v(3)}})),
            ("RotationSucceeded", json!({})),
            (
                "UpdateSecretVersionStage",
                json!({"requestParameters": {"versionStage": "AWSCURRENT", "removeFromVersionId": v(3), "moveToVersionId": v(1)}}),
            ),
            (
                "PutSecretValue",
                json!({"requestParameters": {"versionStages": ["test"]}, "responseElements": {"versionId": v(4)}}),
            ),
            ("GetSecretValue", json!({})),
        ]);
        // AWSPREVIOUS followed AWSCURRENT at each move, as the API moves it.
        assert_eq!(holder(&labels, "AWSCURRENT"), Some(v(1)));
        assert_eq!(holder(&labels, "AWSPREVIOUS"), Some(v(3)));
        assert_eq!(holder(&labels, "test"), Some(v(4)));
        assert_eq!(said.len(), 6, "{said:?}");
        assert!(said[3].starts_with("AWSCURRENT → 00000000…0003"), "{said:?}");
        assert_eq!(said[5], "test → new version 00000000…0004");
    }
}
