//! The JMESPath specification's compliance suite (tests/compliance, with
//! its NOTICE) against `--query`'s engine: every case gives its result,
//! or fails where the suite expects an error.

use rekey_cli::jmespath;
use serde_json::Value;

#[test]
fn every_compliance_case_passes() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/compliance");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "json"));
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for file in &files {
        let suites: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let name = file.file_name().unwrap().to_string_lossy();
        for suite in &suites {
            for case in suite["cases"].as_array().unwrap() {
                let expression = case["expression"].as_str().unwrap();
                total += 1;
                let got = jmespath::compile(expression).and_then(|ast| jmespath::search(&ast, &suite["given"]));
                let ok = match (&got, case.get("result"), case.get("error")) {
                    (Ok(v), Some(want), _) => jmespath::equal(v, want),
                    (Err(_), _, Some(_)) => true,
                    _ => false,
                };
                if !ok {
                    failures.push(format!("{name}: {expression:?} gave {got:?}, want {}", case));
                }
            }
        }
    }
    assert!(total > 800, "only {total} cases found");
    eprintln!("{total} compliance cases");
    assert!(failures.is_empty(), "{} of {total} cases fail:\n{}", failures.len(), failures.join("\n"));
}
