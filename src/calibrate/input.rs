//! The entry point of the input side of `calibrate`: which files to read,
//! which machine each belongs to, and the accumulator every request parser
//! adds to.
//!
//! Why this file exists: the IIS and JMeter parsers both turn lines into
//! completed requests; the accumulator here is the one place that knows how
//! requests become [`Observed`] (per class, per front-end, per interval),
//! so its memory grows with intervals × classes × front-ends and never with
//! lines. The file helpers give every parser the same fast line reader
//! (large buffer, bytes, `.gz` recognised by its magic number).

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use super::classes::Classifier;
use super::observed::{ClassObserved, Machine, Observed, Population, Skipped, SourceFile};
use crate::error::{Error, Result};
use crate::stats::LatencyHistogram;

/// What `calibrate` was asked to read.
#[derive(Clone, Debug, Default)]
pub struct InputSpec {
    /// IIS W3C extended logs: files or directories (all files inside, sorted by name).
    pub iis: Vec<PathBuf>,
    /// Performance counter CSV files (`typeperf -f CSV`, Performance Monitor).
    pub perfmon: Vec<PathBuf>,
    /// JMeter CSV result files (`.jtl`).
    pub jmeter: Vec<PathBuf>,
    /// `--server NAME=TARGET`: TARGET a front-end `ZONE.N` or a database name.
    pub servers: Vec<(String, String)>,
    /// `--classes RULES.toml`.
    pub classes: Option<PathBuf>,
    /// `--drop-static`: leave static resources out instead of a `static` class.
    pub drop_static: bool,
    /// Interval width in seconds (`--interval`, 60 by default): a whole number ≥ 1.
    pub interval: f64,
    /// `--environment ENV`: the environment a JMeter load test drove
    /// (required with `jmeter` when the base has several).
    pub environment: Option<String>,
}

/// The default interval width, seconds.
pub const DEFAULT_INTERVAL: f64 = 60.0;

impl InputSpec {
    /// No inputs yet, the default interval.
    pub fn new() -> Self {
        InputSpec {
            interval: DEFAULT_INTERVAL,
            ..InputSpec::default()
        }
    }
}

/// Reads every input of `spec` into one [`Observed`].
///
/// `front_ends` are the base scenario's front-ends as `ZONE.N`,
/// `environments` the environment of each of them (empty: one environment),
/// `databases` its database instance names. A module whose requests the
/// logs show on front-ends of several environments becomes one class per
/// environment (see [`Accumulator::finish`]). Bad input is an [`Error::Usage`] naming the
/// file (and line); malformed lines are counted in `Observed::skipped`.
pub fn observe(
    spec: &InputSpec,
    front_ends: &[String],
    environments: &[String],
    databases: &[String],
) -> Result<Observed> {
    if !(spec.interval.is_finite() && spec.interval >= 1.0 && spec.interval.fract() == 0.0) {
        return Err(Error::Usage(format!(
            "--interval {}: give a whole number of seconds, at least 1",
            spec.interval
        )));
    }
    if spec.iis.is_empty() && spec.jmeter.is_empty() {
        return Err(Error::Usage(
            "calibrate needs request data: give --iis LOG... or --jmeter JTL...".into(),
        ));
    }
    if spec.environment.is_some() && spec.jmeter.is_empty() {
        return Err(Error::Usage(
            "--environment names the environment a JMeter load test drove: it goes with --jmeter (IIS logs say which front-end served each request)".into(),
        ));
    }
    if !spec.iis.is_empty() && !spec.jmeter.is_empty() {
        return Err(Error::Usage(
            "--jmeter is an alternative to --iis (a load test instead of production logs): give one of them, not both, or the same requests would be counted twice".into(),
        ));
    }
    if front_ends.is_empty() {
        return Err(Error::Usage("the base scenario has no front-end".into()));
    }
    let servers = ServerMap::new(&spec.servers, front_ends, databases)?;
    let mut classifier = match &spec.classes {
        Some(p) => Classifier::from_file(p, spec.drop_static)?,
        None => Classifier::new(spec.drop_static),
    };
    let mut acc = if environments.is_empty() {
        Accumulator::new(spec.interval, front_ends.len())
    } else {
        Accumulator::with_environments(spec.interval, environments)
    };
    for name in classifier.rule_names() {
        for env in 0..acc.environments() {
            acc.class_id(name.as_bytes(), env);
        }
    }
    let mut obs = Observed {
        interval: spec.interval,
        front_ends: front_ends.to_vec(),
        ..Observed::default()
    };
    // Host names the logs were known by, for mapping counters to front-ends.
    let mut log_names: Vec<(String, usize)> = Vec::new();
    let mut assigned = Vec::with_capacity(spec.iis.len());
    for (n, arg) in spec.iis.iter().enumerate() {
        let names = log_names_of(arg);
        let mapped = names
            .iter()
            .find_map(|name| match servers.get(name) {
                Some(Machine::FrontEnd(f)) => Some(Ok(*f)),
                Some(Machine::Database(d)) => Some(Err(Error::Usage(format!(
                    "{}: --server maps {name:?} to the database {d:?}, but an IIS log belongs to a front-end",
                    arg.display()
                )))),
                None => None,
            })
            .transpose()?;
        let fe = match mapped {
            Some(f) => f,
            None if n < front_ends.len() => n,
            None => {
                return Err(Error::Usage(format!(
                    "{}: IIS log number {} but the base scenario has {} front-end(s) ({}): map it with --server NAME=FRONT_END, NAME being its s-computername, directory name or file stem",
                    arg.display(),
                    n + 1,
                    front_ends.len(),
                    front_ends.join(", ")
                )));
            }
        };
        assigned.push((fe, mapped.is_some(), names));
    }
    refuse_shared_front_ends(&spec.iis, &assigned, front_ends)?;
    for (arg, (fe, _, names)) in spec.iis.iter().zip(assigned) {
        for name in names {
            log_names.push((name, fe));
        }
        super::iis::read_log(arg, fe, &servers, &mut classifier, &mut acc, &mut obs)?;
    }
    if !spec.jmeter.is_empty() {
        let targets = load_test_front_ends(spec, front_ends.len(), environments)?;
        super::jmeter::read_jtls(&spec.jmeter, &targets, &mut acc, &mut obs)?;
    }
    acc.finish(&mut obs);
    if !spec.perfmon.is_empty() {
        obs.cpu = super::perfmon::read_counters(
            &spec.perfmon,
            &servers,
            &log_names,
            databases,
            &mut obs,
        )?;
    }
    Ok(obs)
}

/// The front-ends a load test's samples are spread over: those of the
/// environment `--environment` names, or of the base's only environment.
/// `environments` names each of the `front_ends` front-ends' (empty: one
/// environment).
fn load_test_front_ends(
    spec: &InputSpec,
    front_ends: usize,
    environments: &[String],
) -> Result<Vec<usize>> {
    let mut names: Vec<&str> = Vec::new();
    for e in environments {
        if !names.contains(&e.as_str()) {
            names.push(e);
        }
    }
    let Some(wanted) = &spec.environment else {
        if names.len() > 1 {
            return Err(Error::Usage(format!(
                "--jmeter: the base has several environments ({}) and a load test drives one: name it with --environment ENV",
                names.join(", ")
            )));
        }
        return Ok((0..front_ends).collect());
    };
    if !names.contains(&wanted.as_str()) {
        return Err(Error::Usage(format!(
            "--environment {wanted:?}: the base has no such environment; it has {}",
            if names.is_empty() {
                "one, unnamed (leave --environment out)".to_owned()
            } else {
                names.join(", ")
            }
        )));
    }
    Ok((0..front_ends)
        .filter(|&f| environments[f] == *wanted)
        .collect())
}

/// A log placed by its position (rule 3) on a front-end that `--server`
/// gives another log is an error: its requests and counters would be
/// credited to one machine and the other's left empty, which spoils the fit
/// silently. Logs mapped by `--server` may share a front-end (several days
/// of one machine, say); logs placed by position never do.
fn refuse_shared_front_ends(
    args: &[PathBuf],
    assigned: &[(usize, bool, Vec<String>)],
    front_ends: &[String],
) -> Result<()> {
    for (n, (fe, mapped, _)) in assigned.iter().enumerate() {
        if *mapped {
            continue;
        }
        if let Some(m) = assigned
            .iter()
            .position(|(f, mapped, _)| *mapped && f == fe)
        {
            return Err(Error::Usage(format!(
                "{}: IIS log number {} is not mapped by --server, so it would go to front-end number {}, {}, by its position; but --server gives {} to {} as well: map every log with --server NAME=FRONT_END (NAME being its s-computername, directory name or file stem), or none",
                args[n].display(),
                n + 1,
                n + 1,
                front_ends[*fe],
                args[m].display(),
                front_ends[*fe]
            )));
        }
    }
    Ok(())
}

/// Names an IIS log argument is known by: a directory's own name; a file's
/// parent directory name and its stem (`u_ex261128` of `u_ex261128.log`).
fn log_names_of(arg: &Path) -> Vec<String> {
    let mut names = Vec::new();
    if arg.is_dir() {
        if let Some(n) = arg
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        {
            names.push(n);
        }
    } else {
        if let Some(n) = arg.canonicalize().ok().and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        }) {
            names.push(n);
        }
        if let Some(stem) = file_stem(arg) {
            names.push(stem);
        }
    }
    names
}

/// A file's name without `.gz` and then without its last extension.
fn file_stem(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let stem = match name.rfind('.') {
        Some(i) if i > 0 => &name[..i],
        _ => name,
    };
    Some(stem.to_string())
}

/// `--server NAME=TARGET`, names compared case-insensitively (Windows host
/// names are).
#[derive(Debug, Default)]
pub struct ServerMap {
    by_name: HashMap<String, Machine>,
}

impl ServerMap {
    /// Checks every TARGET against the base scenario's machines.
    pub fn new(
        servers: &[(String, String)],
        front_ends: &[String],
        databases: &[String],
    ) -> Result<Self> {
        let mut by_name = HashMap::new();
        for (name, target) in servers {
            let machine = if let Some(f) = front_ends.iter().position(|fe| fe == target) {
                Machine::FrontEnd(f)
            } else if databases.iter().any(|d| d == target) {
                Machine::Database(target.clone())
            } else {
                let dbs = if databases.is_empty() {
                    String::new()
                } else {
                    format!(" or a database ({})", databases.join(", "))
                };
                return Err(Error::Usage(format!(
                    "--server {name}={target}: {target:?} is not a machine of the base scenario; use a front-end ({}){dbs}",
                    front_ends.join(", ")
                )));
            };
            if name.is_empty() {
                return Err(Error::Usage(format!(
                    "--server ={target}: the server name is empty"
                )));
            }
            if by_name.insert(name.to_ascii_lowercase(), machine).is_some() {
                return Err(Error::Usage(format!(
                    "--server {name}: the name is mapped twice"
                )));
            }
        }
        Ok(ServerMap { by_name })
    }

    /// The machine `name` is mapped to, if any.
    pub fn get(&self, name: &str) -> Option<&Machine> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.by_name.get(&name.to_ascii_lowercase())
        } else {
            self.by_name.get(name)
        }
    }

    /// The front-end `name` (bytes as logged) is mapped to, if any.
    pub fn front_end_of(&self, name: &[u8]) -> Option<usize> {
        match self.get(&String::from_utf8_lossy(name)) {
            Some(Machine::FrontEnd(f)) => Some(*f),
            _ => None,
        }
    }
}

/// The files of an input argument: the file itself, or every file of a
/// directory sorted by name (hidden files left out).
pub fn files_of(arg: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(arg)
        .map_err(|e| Error::Usage(format!("{}: cannot read: {e}", arg.display())))?;
    if !meta.is_dir() {
        return Ok(vec![arg.to_path_buf()]);
    }
    let mut files = Vec::new();
    let entries = std::fs::read_dir(arg)
        .map_err(|e| Error::Usage(format!("{}: cannot list the directory: {e}", arg.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::Usage(format!("{}: {e}", arg.display())))?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Error::Usage(format!(
            "{}: the directory holds no file",
            arg.display()
        )));
    }
    Ok(files)
}

/// Size of the read buffer: large, so a 1 GB log costs few system calls.
const BUFFER: usize = 1 << 20;

/// Opens `path` for reading lines, decompressing it when it starts with the
/// gzip magic number (whatever its name), and past a UTF-8 byte-order mark
/// at the start of the text (Windows tools write one), so no reader sees it.
/// Text that starts with a UTF-16 byte-order mark is an error saying so.
pub fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let cannot_read =
        |e: std::io::Error| Error::Usage(format!("{}: cannot read: {e}", path.display()));
    let mut file = File::open(path)
        .map_err(|e| Error::Usage(format!("{}: cannot open: {e}", path.display())))?;
    let mut magic = [0u8; 2];
    let n = read_full(&mut file, &mut magic).map_err(cannot_read)?;
    let head = std::io::Cursor::new(magic[..n].to_vec()).chain(file);
    let mut reader: Box<dyn BufRead> = if n == 2 && magic == [0x1f, 0x8b] {
        let gz = flate2::read::MultiGzDecoder::new(BufReader::with_capacity(BUFFER, head));
        Box::new(BufReader::with_capacity(BUFFER, gz))
    } else {
        Box::new(BufReader::with_capacity(BUFFER, head))
    };
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut start = Vec::with_capacity(BOM.len());
    while start.len() < BOM.len() {
        let buf = reader.fill_buf().map_err(cannot_read)?;
        if buf.is_empty() {
            break;
        }
        let k = buf.len().min(BOM.len() - start.len());
        start.extend_from_slice(&buf[..k]);
        reader.consume(k);
    }
    // UTF-16 (what Windows PowerShell 5's `>` and `Out-File` write, and
    // Notepad's "Unicode"): every other byte is 0, so no reader would
    // find a directive, a header or a timestamp in it and each would
    // blame something else ("a request line before any #Fields:", "set
    // print_field_names"). Say what the file is instead.
    if start.starts_with(b"\xFF\xFE") || start.starts_with(b"\xFE\xFF") {
        return Err(Error::Usage(format!(
            "{}: the file is UTF-16 text (as Windows PowerShell's > and Out-File write it); calibrate reads UTF-8 or ASCII: convert it, e.g. Get-Content IN | Set-Content -Encoding UTF8 OUT, or write it with typeperf -o / IIS / JMeter directly",
            path.display()
        )));
    }
    if start == BOM {
        Ok(reader)
    } else {
        Ok(Box::new(std::io::Cursor::new(start).chain(reader)))
    }
}

/// A CSV file (performance counters, JMeter results) read record by record,
/// opened as [`open`] opens it, that knows each record's line.
pub struct CsvFile<'a> {
    path: &'a Path,
    reader: csv::Reader<Box<dyn BufRead>>,
    /// The file's lines end in `\r\n`: the csv crate then gives every
    /// record but the first the line before its own (it counts the previous
    /// record's `\n` only as it starts reading the next one).
    crlf: bool,
    /// Records read so far.
    records: u64,
}

impl<'a> CsvFile<'a> {
    pub fn open(path: &'a Path) -> Result<Self> {
        let mut text = open(path)?;
        let mut first = Vec::new();
        text.read_until(b'\n', &mut first)
            .map_err(|e| Error::Usage(format!("{}: cannot read: {e}", path.display())))?;
        let crlf = first.ends_with(b"\r\n");
        let text: Box<dyn BufRead> = Box::new(std::io::Cursor::new(first).chain(text));
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text);
        Ok(CsvFile {
            path,
            reader,
            crlf,
            records: 0,
        })
    }

    /// Reads the next record; `false` at the end of the file. A file the
    /// csv reader cannot read (bad UTF-8 is fine: records are bytes) is an
    /// error naming it.
    pub fn read(&mut self, record: &mut csv::ByteRecord) -> Result<bool> {
        let read = self
            .reader
            .read_byte_record(record)
            .map_err(|e| Error::Usage(format!("{}: {e}", self.path.display())))?;
        self.records += u64::from(read);
        Ok(read)
    }

    /// The line `record` (just read) starts on, counted from 1.
    fn line(&self, record: &csv::ByteRecord) -> u64 {
        let line = record.position().map_or(0, |p| p.line());
        // Every record after the first: the one right after the header
        // is given line 1 too, so the correction cannot go by the line.
        if self.crlf && self.records > 1 {
            line + 1
        } else {
            line
        }
    }

    /// Reads the next row that has `cells` cells (the header's count) and
    /// returns its line; `None` at the end of the file. A row with more or
    /// fewer is recorded in `skipped` and counted in `count`, never read:
    /// its values would come from the wrong columns.
    pub fn next_row(
        &mut self,
        record: &mut csv::ByteRecord,
        cells: usize,
        skipped: &mut Skipped,
        count: &mut u64,
    ) -> Result<Option<u64>> {
        while self.read(record)? {
            let line = self.line(record);
            if record.len() == cells {
                return Ok(Some(line));
            }
            skipped.record(
                self.path,
                line,
                format!("{} cells where the header has {cells}", record.len()),
            );
            *count += 1;
        }
        Ok(None)
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Reads the next line of `r` into `line` (cleared first) without its line
/// end (`\n` or `\r\n`). Returns `false` at the end of the file.
pub fn next_line(r: &mut dyn BufRead, line: &mut Vec<u8>, path: &Path) -> Result<bool> {
    line.clear();
    let n = r
        .read_until(b'\n', line)
        .map_err(|e| Error::Usage(format!("{}: cannot read: {e}", path.display())))?;
    if n == 0 {
        return Ok(false);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(true)
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Whether `d` is a valid day of month `m` (1-12) of year `y`.
pub fn valid_date(y: i64, m: u32, d: u32) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// The value of ASCII digits (`None` for an empty or non-digit field).
#[inline]
pub fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 18 {
        return None;
    }
    let mut v = 0u64;
    for &b in s {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + d as u64;
    }
    Some(v)
}

/// Counts of one class on one front-end, by absolute interval number,
/// growing at either end.
#[derive(Debug, Default)]
struct Series {
    base: i64,
    counts: Vec<u32>,
}

impl Series {
    #[inline]
    fn add(&mut self, idx: i64) {
        if self.counts.is_empty() {
            self.base = idx;
        }
        if idx < self.base {
            // Grow downwards with room to spare, so that logs read out of
            // time order cost amortized O(1).
            let need = (self.base - idx) as usize;
            let extra = need.max(self.counts.len());
            let mut v = vec![0u32; extra + self.counts.len()];
            v[extra..].copy_from_slice(&self.counts);
            self.counts = v;
            self.base -= extra as i64;
        }
        let k = (idx - self.base) as usize;
        if k >= self.counts.len() {
            self.counts.resize(k + 1, 0);
        }
        self.counts[k] = self.counts[k].saturating_add(1);
    }

    /// First and last absolute intervals with a count.
    fn span(&self) -> Option<(i64, i64)> {
        let first = self.counts.iter().position(|&c| c > 0)?;
        let last = self.counts.iter().rposition(|&c| c > 0)?;
        Some((self.base + first as i64, self.base + last as i64))
    }
}

/// One class being accumulated: one module's requests on the front-ends
/// of one environment.
#[derive(Debug)]
struct ClassAcc {
    name: String,
    environment: usize,
    per_fe: Vec<Series>,
    by_hour: [u64; 24],
    response: LatencyHistogram,
    response_sum: f64,
    /// Requests by status 0..=999 (a flat array: one increment per line).
    statuses: Vec<u64>,
    population: Option<Population>,
}

/// Adds requests up into per-class, per-front-end, per-interval counts.
#[derive(Debug)]
pub struct Accumulator {
    step: f64,
    front_ends: usize,
    /// The environment of each front-end, an index into `environments`.
    environment_of: Vec<usize>,
    /// Environment names, in order of first front-end.
    environments: Vec<String>,
    classes: Vec<ClassAcc>,
    /// Per environment: class name to class.
    index: Vec<HashMap<Vec<u8>, usize>>,
    /// Time ranges `[from, to)` (Unix seconds) the request inputs covered,
    /// one per file.
    covered: Vec<(f64, f64)>,
}

impl Accumulator {
    /// `front_ends` front-ends of one environment.
    pub fn new(interval: f64, front_ends: usize) -> Self {
        Accumulator {
            step: interval,
            front_ends,
            environment_of: vec![0; front_ends],
            environments: vec![String::new()],
            classes: Vec::new(),
            index: vec![HashMap::new()],
            covered: Vec::new(),
        }
    }

    /// One front-end per entry of `environment_of`, which names its
    /// environment.
    pub fn with_environments(interval: f64, environment_of: &[String]) -> Self {
        let mut environments: Vec<String> = Vec::new();
        let of = environment_of
            .iter()
            .map(|e| match environments.iter().position(|n| n == e) {
                Some(k) => k,
                None => {
                    environments.push(e.clone());
                    environments.len() - 1
                }
            })
            .collect();
        let mut acc = Accumulator::new(interval, environment_of.len());
        acc.index = environments.iter().map(|_| HashMap::new()).collect();
        acc.environment_of = of;
        acc.environments = environments;
        acc
    }

    /// Number of front-ends requests are counted on.
    pub fn front_ends(&self) -> usize {
        self.front_ends
    }

    /// Number of environments the front-ends belong to.
    pub fn environments(&self) -> usize {
        self.environments.len()
    }

    /// The environment of front-end `fe`.
    #[inline]
    pub fn environment_of(&self, fe: usize) -> usize {
        self.environment_of[fe]
    }

    /// The class named `name` (a valid class name) in environment `env`,
    /// created when new.
    #[inline]
    pub fn class_id(&mut self, name: &[u8], env: usize) -> usize {
        if let Some(&k) = self.index[env].get(name) {
            return k;
        }
        let k = self.classes.len();
        self.classes.push(ClassAcc {
            name: String::from_utf8_lossy(name).into_owned(),
            environment: env,
            per_fe: (0..self.front_ends).map(|_| Series::default()).collect(),
            by_hour: [0; 24],
            response: LatencyHistogram::new(),
            response_sum: 0.0,
            statuses: vec![0; 1000],
            population: None,
        });
        self.index[env].insert(name.to_vec(), k);
        k
    }

    /// One request of class `class` that ended at `end` (Unix seconds UTC)
    /// on front-end `fe` with `status`, answered in `response` seconds when known.
    #[inline]
    pub fn add(&mut self, class: usize, fe: usize, end: f64, status: u16, response: Option<f64>) {
        let idx = (end / self.step).floor() as i64;
        let c = &mut self.classes[class];
        c.per_fe[fe].add(idx);
        let hour = (end.floor() as i64).rem_euclid(86_400) / 3600;
        c.by_hour[hour as usize] += 1;
        c.statuses[(status as usize).min(999)] += 1;
        if let Some(r) = response
            && status < 500
        {
            c.response.record(r);
            c.response_sum += r;
        }
    }

    /// Sets the closed population of a class.
    pub fn set_population(&mut self, class: usize, population: Population) {
        self.classes[class].population = Some(population);
    }

    /// Marks the time from `from` up to `to` (Unix seconds) as observed:
    /// the seconds the hourly rates are counted over, whatever `--interval`.
    pub fn cover(&mut self, from: f64, to: f64) {
        if from < to {
            self.covered.push((from, to));
        }
    }

    /// Moves the counts into `obs`: origin and intervals from the first to
    /// the last observation, classes that saw no request left out, a module
    /// seen in several environments named `MODULE_ENVIRONMENT` in each (the
    /// same module deployed to Dev and QA is two loads on two sets of
    /// machines, each with its own rate and demands), seconds
    /// observed per hour of day (and the observed window) from the union of
    /// the inputs' spans, in seconds: they do not depend on the interval.
    pub fn finish(self, obs: &mut Observed) {
        let step = self.step as i64;
        let mut lo = i64::MAX;
        let mut hi = i64::MIN;
        for c in &self.classes {
            for s in &c.per_fe {
                if let Some((a, b)) = s.span() {
                    lo = lo.min(a);
                    hi = hi.max(b);
                }
            }
        }
        if lo > hi {
            return;
        }
        obs.origin = lo * step;
        obs.intervals = (hi - lo + 1) as usize;
        let seen = |c: &ClassAcc| c.statuses.iter().any(|&n| n > 0);
        let mut environments_of_name: HashMap<&str, usize> = HashMap::new();
        for c in self.classes.iter().filter(|c| seen(c)) {
            *environments_of_name.entry(&c.name).or_default() += 1;
        }
        let names: Vec<String> = self
            .classes
            .iter()
            .map(|c| {
                if environments_of_name.get(c.name.as_str()).copied() > Some(1) {
                    format!("{}_{}", c.name, self.environments[c.environment])
                } else {
                    c.name.clone()
                }
            })
            .collect();
        for (c, name) in self.classes.into_iter().zip(names) {
            let statuses: std::collections::BTreeMap<u16, u64> = c
                .statuses
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(s, n)| (s as u16, *n))
                .collect();
            if statuses.is_empty() {
                continue;
            }
            let completions = c
                .per_fe
                .iter()
                .map(|s| {
                    let mut v = vec![0u32; obs.intervals];
                    for (k, &n) in s.counts.iter().enumerate() {
                        if n > 0 {
                            v[(s.base + k as i64 - lo) as usize] = n;
                        }
                    }
                    v
                })
                .collect();
            obs.classes.push(ClassObserved {
                name,
                completions,
                by_hour: c.by_hour,
                response: c.response,
                response_sum: c.response_sum,
                statuses,
                population: c.population,
            });
        }
        // Union of the covered ranges.
        let mut ranges = self.covered;
        ranges.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let first = ranges.first().map(|r| r.0);
        let mut upto = f64::NEG_INFINITY;
        for (a, b) in ranges {
            let from = a.max(upto);
            if from < b {
                add_coverage(&mut obs.hour_coverage, from, b);
            }
            upto = upto.max(b);
        }
        if let Some(first) = first {
            obs.window = (first, upto);
        }
    }
}

/// Adds the seconds of [from, to) to the hours of day they fall in.
fn add_coverage(cov: &mut [f64; 24], from: f64, to: f64) {
    let mut t = from;
    while t < to {
        let hour = (t / 3600.0).floor();
        let upto = ((hour + 1.0) * 3600.0).min(to);
        cov[(hour as i64).rem_euclid(24) as usize] += upto - t;
        t = upto;
    }
}

/// A source file as read, for `Observed::sources`.
pub fn source(
    path: &Path,
    kind: &'static str,
    used: u64,
    skipped: u64,
    first: f64,
    last: f64,
) -> SourceFile {
    SourceFile {
        path: path.to_path_buf(),
        kind,
        used,
        skipped,
        first,
        last,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 11, 28), 20_785);
        assert!(valid_date(2024, 2, 29) && !valid_date(2026, 2, 29) && !valid_date(2026, 13, 1));
    }

    #[test]
    fn series_grow_both_ways_and_align() {
        let mut acc = Accumulator::new(60.0, 2);
        let a = acc.class_id(b"a", 0);
        let b = acc.class_id(b"b", 0);
        let _unused = acc.class_id(b"never", 0);
        let t0 = 1_800_000_000.0; // a multiple of 60
        acc.add(a, 0, t0 + 600.0, 200, Some(0.1));
        acc.add(a, 0, t0 + 5.0, 200, Some(0.3));
        acc.add(b, 1, t0 + 1200.0, 503, Some(9.0));
        acc.add(b, 1, t0 + 1259.0, 200, None);
        acc.cover(t0 + 1200.0, t0 + 1260.0);
        acc.cover(t0, t0 + 1230.5);
        let mut obs = Observed::default();
        acc.finish(&mut obs);
        assert_eq!(obs.origin, t0 as i64);
        assert_eq!(obs.intervals, 21);
        assert_eq!(obs.classes.len(), 2);
        let ca = &obs.classes[0];
        assert_eq!(ca.completions[0][0], 1);
        assert_eq!(ca.completions[0][10], 1);
        assert_eq!(ca.completions[1].iter().sum::<u32>(), 0);
        assert_eq!(ca.response.count(), 2);
        assert!((ca.response_sum - 0.4).abs() < 1e-12);
        let cb = &obs.classes[1];
        assert_eq!(cb.completions[1][20], 2);
        assert_eq!(cb.statuses.get(&503), Some(&1));
        assert_eq!(
            cb.response.count(),
            0,
            "a 503 and an unknown time are not response times"
        );
        assert_eq!(obs.hour_coverage.iter().sum::<f64>(), 1260.0);
        assert_eq!(obs.window, (t0, t0 + 1260.0));
    }

    #[test]
    fn coverage_splits_hours() {
        let mut cov = [0.0; 24];
        add_coverage(&mut cov, 3600.0 - 30.0, 3600.0 + 60.0);
        assert_eq!(cov[0], 30.0);
        assert_eq!(cov[1], 60.0);
        let t = (86_400 * 3 + 23 * 3600 + 3590) as f64;
        add_coverage(&mut cov, t, t + 20.5);
        assert_eq!(cov[23], 10.0);
        assert_eq!(cov[0], 40.5);
    }
}
