//! Scratch timing probe (removed before hand-off).
use std::fmt::Write as _;
use std::time::Instant;
fn main() {
    let mut s = String::from("[bookmarks]\n");
    for i in 0..10_000 {
        writeln!(s, "\"Bookmark {i}\" = \"omniverse://server-{}/Projects/p{i}/\"", i % 1000).unwrap();
    }
    s.push_str("\n[servers]\n");
    for i in 0..1000 {
        writeln!(s, "\"omniverse://server-{i}\" = \"Server {i}\"").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("omniverse.toml");
    std::fs::write(&p, &s).unwrap();
    let store = cm_toml_store::TomlStore::new(&p).with_durability(cm_toml_store::Durability::NoSync);
    for round in 0..5 {
        let t = Instant::now();
        let d = toml_edit::Document::parse(s.as_str()).unwrap();
        let t1 = t.elapsed();
        let mut m = d.into_mut();
        let t2 = t.elapsed();
        let r = m.to_string();
        let t3 = t.elapsed();
        m["bookmarks"]["x"] = toml_edit::value("omniverse://a/");
        let t4 = t.elapsed();
        let r2 = m.to_string();
        let t5 = t.elapsed();
        store.load().unwrap();
        let t6 = t.elapsed();
        store.apply(&[cm_toml_store::Change::AddBookmark { name: "x".into(), url: format!("omniverse://a/{round}") }]).unwrap();
        let t7 = t.elapsed();
        println!("parse {t1:?} into_mut {:?} render {:?} insert {:?} render {:?} | load {:?} apply {:?} {}", t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6, r.len() + r2.len());
    }
}
