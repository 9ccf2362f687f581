//! The shape of the library: its modules import one another without a
//! cycle, and no source file holds more than one concept's worth of code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The library's source files (the binary's excluded), each with its
/// top-level module and its text before the unit tests.
fn library() -> Vec<(PathBuf, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    sources(&src)
        .into_iter()
        .filter(|p| !p.starts_with(src.join("bin")))
        .filter(|p| p.file_name().is_some_and(|n| n != "tests.rs"))
        .map(|p| {
            let rel = p.strip_prefix(&src).unwrap();
            let first = rel.components().next().unwrap().as_os_str();
            let module = first.to_str().unwrap().trim_end_matches(".rs").to_owned();
            let text = std::fs::read_to_string(&p).unwrap();
            let code = text
                .split("\n#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_owned();
            (p, module, code)
        })
        .collect()
}

/// Top-level modules named after `crate::` in `code`.
fn imports(code: &str) -> BTreeSet<String> {
    code.match_indices("crate::")
        .map(|(i, m)| {
            code[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|m| !m.is_empty() && m.starts_with(|c: char| c.is_ascii_lowercase()))
        .collect()
}

/// A cycle in `graph`, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, bool>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(true) => return None,
            Some(false) => {
                let at = path.iter().position(|n| n == node).unwrap_or(0);
                let mut c = path[at..].to_vec();
                c.push(node.to_owned());
                return Some(c);
            }
            None => {}
        }
        state.insert(node.to_owned(), false);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(node.to_owned(), true);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry((*a).into()).or_default().insert((*b).into());
        }
        g
    };
    assert_eq!(cycle(&graph(&[("a", "b"), ("b", "c")])), None);
    assert_eq!(
        cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "b")])),
        Some(vec!["b".into(), "c".into(), "b".into()])
    );
}

#[test]
fn library_modules_import_each_other_without_a_cycle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let files = library();
    assert!(files.len() > 20, "{} files", files.len());
    let modules: BTreeSet<String> = files.iter().map(|(_, m, _)| m.clone()).collect();
    for (_, module, code) in &files {
        if module == "lib" {
            continue;
        }
        let edges = graph.entry(module.clone()).or_default();
        for m in imports(code) {
            if &m != module && modules.contains(&m) {
                edges.insert(m);
            }
        }
    }
    assert_eq!(cycle(&graph), None, "{graph:#?}");
}

#[test]
fn no_source_file_is_over_600_lines_before_its_tests() {
    for (path, _, code) in library() {
        let n = code.lines().count();
        assert!(n <= 600, "{} has {n} lines", path.display());
    }
}
