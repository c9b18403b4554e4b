use super::*;
use serde_json::json;

fn q(expr: &str, data: &Value) -> Value {
    search(&compile(expr).unwrap_or_else(|e| panic!("{expr}: {e:?}")), data).unwrap_or_else(|e| panic!("{expr}: {e:?}"))
}

#[test]
fn the_specification_examples() {
    let data = json!({
        "people": [
            {"first": "James", "last": "d", "age": 30},
            {"first": "Jacob", "last": "e", "age": 25},
            {"first": "Jayden", "last": "f", "age": 40},
            {"missing": "different"}
        ],
        "foo": {"bar": {"baz": [0, 1, 2, 3]}},
        "ops": {"functionA": {"numArgs": 2}, "functionB": {"numArgs": 3}},
        "nested": [[0, 1], 2, [3, [4]]],
        "reservations": [{"instances": [{"state": "running"}, {"state": "stopped"}]}, {"instances": [{"state": "terminated"}]}]
    });
    let cases: Vec<(&str, Value)> = vec![
        ("foo.bar.baz[2]", json!(2)),
        ("foo.bar.baz[-1]", json!(3)),
        ("foo.bar.baz[1:3]", json!([1, 2])),
        ("foo.bar.baz[::-1]", json!([3, 2, 1, 0])),
        ("foo.bar.baz[::2]", json!([0, 2])),
        ("people[*].first", json!(["James", "Jacob", "Jayden"])),
        ("people[:2].first", json!(["James", "Jacob"])),
        ("ops.*.numArgs", json!([2, 3])),
        ("reservations[*].instances[*].state", json!([["running", "stopped"], ["terminated"]])),
        ("reservations[].instances[].state", json!(["running", "stopped", "terminated"])),
        ("nested[]", json!([0, 1, 2, 3, [4]])),
        ("people[?age > `28`].first", json!(["James", "Jayden"])),
        ("people[?first == 'Jacob'].age | [0]", json!(25)),
        ("people[?!age].missing", json!(["different"])),
        ("people[?age > `20` && age < `35`].first", json!(["James", "Jacob"])),
        ("people[0].[first, age]", json!(["James", 30])),
        ("people[0].{Name: first, Age: age}", json!({"Name": "James", "Age": 30})),
        ("people[*].{Age: age, Name: first} | [0]", json!({"Age": 30, "Name": "James"})),
        ("length(people)", json!(4)),
        ("max_by(people[:3], &age).first", json!("Jayden")),
        ("sort_by(people[:3], &age)[].first", json!(["Jacob", "James", "Jayden"])),
        ("sort(people[:3][].first)", json!(["Jacob", "James", "Jayden"])),
        ("join(', ', people[:3].first)", json!("James, Jacob, Jayden")),
        ("contains(people[].first, 'Jacob')", json!(true)),
        ("starts_with(people[0].first, 'Ja')", json!(true)),
        ("sum(people[].age)", json!(95)),
        ("avg(people[].age)", json!(95.0 / 3.0)),
        ("keys(ops)", json!(["functionA", "functionB"])),
        ("to_string(foo.bar)", json!("{\"baz\":[0,1,2,3]}")),
        ("to_number('12')", json!(12)),
        ("type(foo)", json!("object")),
        ("not_null(nope, foo.bar.baz[0])", json!(0)),
        ("map(&age, people[:2])", json!([30, 25])),
        ("reverse(foo.bar.baz)", json!([3, 2, 1, 0])),
        ("merge(`{\"a\": 1}`, `{\"b\": 2}`)", json!({"a": 1, "b": 2})),
        ("nope || foo.bar.baz[0]", json!(0)),
        ("\"foo\".\"bar\"", json!({"baz": [0, 1, 2, 3]})),
        ("`[1, 2]`", json!([1, 2])),
        ("'raw'", json!("raw")),
        ("@.foo.bar.baz | length(@)", json!(4)),
        ("people[0] | keys(@)", json!(["first", "last", "age"])),
        ("nope.nope", Value::Null),
        ("foo[0]", Value::Null),
        ("min(people[:3].age)", json!(25)),
        ("people[:3] | [?contains(first, 'y')].first", json!(["Jayden"])),
        ("floor(`1.5`)", json!(1)),
        ("abs(`-3`)", json!(3)),
    ];
    for (expr, want) in cases {
        assert_eq!(q(expr, &data), want, "{expr}");
    }
}

#[test]
fn multi_select_hash_keeps_the_written_order() {
    let got = q("{z: a, a: b}", &json!({"a": 1, "b": 2}));
    assert_eq!(serde_json::to_string(&got).unwrap(), r#"{"z":1,"a":2}"#);
}

#[test]
fn errors() {
    for bad in ["foo.", "[?a", "foo[1", "{a}", "a ||", "&&", "foo]"] {
        assert!(compile(bad).is_err(), "{bad}");
    }
    let e = search(&compile("length(`1`)").unwrap(), &Value::Null).unwrap_err();
    assert!(e.0.contains("length()"), "{e:?}");
}
