//! Lab CLI: `frontend IN.wav OUT.wav [options]`; writes 16 kHz mono 16-bit PCM.
//!
//! Options: --hp HZ | --wpe batch|online [--taps N --delay N --iters N --wpe-mix F --alpha F
//! --wpe-1ch] | --live (streaming chain) | --beam first|mean|ds|mvdr | --denoise full|mix:W|gate:DB | --level norm|agc.
//! Prints the real-time factor of each stage on stderr.

use frontend::beam::Beam;
use frontend::denoise::DenoiseMode;
use frontend::live::LiveFrontEnd;
use frontend::wpe::WpeConfig;
use frontend::{Config, Level, WpeKind, process};
use std::process::ExitCode;

fn parse(args: &[String]) -> Result<(Config, bool), String> {
    let mut cfg = Config::default();
    let mut live = false;
    let mut wcfg = WpeConfig::default();
    let mut kind = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().ok_or(format!("{a} needs a value"));
        let num = |v: String| v.parse::<f64>().map_err(|e| format!("{a}: {e}"));
        match a.as_str() {
            "--hp" => cfg.highpass_hz = Some(num(val()?)? as f32),
            "--wpe" => {
                kind = match val()?.as_str() {
                    "batch" => Some(WpeKind::Batch),
                    "online" => Some(WpeKind::Online),
                    "off" => None,
                    v => return Err(format!("--wpe {v}?")),
                }
            }
            "--taps" => wcfg.taps = num(val()?)? as usize,
            "--delay" => wcfg.delay = num(val()?)? as usize,
            "--iters" => wcfg.iterations = num(val()?)? as usize,
            "--wpe-mix" => wcfg.mix = num(val()?)? as f32,
            "--alpha" => wcfg.alpha = num(val()?)?,
            "--wpe-1ch" => cfg.wpe_multichannel = false,
            "--live" => live = true,
            "--beam" => {
                cfg.beam = match val()?.as_str() {
                    "first" => Beam::First,
                    "mean" => Beam::Mean,
                    "ds" => Beam::DelayAndSum,
                    "mvdr" => Beam::Mvdr,
                    v => return Err(format!("--beam {v}?")),
                }
            }
            "--denoise" => {
                let v = val()?;
                cfg.denoise = Some(match v.split_once(':') {
                    None if v == "full" => DenoiseMode::Full,
                    Some(("mix", w)) => DenoiseMode::Mix(num(w.to_string())? as f32),
                    Some(("gate", db)) => DenoiseMode::Gate {
                        floor_db: num(db.to_string())? as f32,
                    },
                    _ => return Err(format!("--denoise {v}?")),
                })
            }
            "--level" => {
                cfg.level = match val()?.as_str() {
                    "norm" => Some(Level::Normalize),
                    "agc" => Some(Level::Agc),
                    v => return Err(format!("--level {v}?")),
                }
            }
            v => return Err(format!("unknown option {v}")),
        }
    }
    cfg.wpe = kind.map(|k| (k, wcfg));
    Ok((cfg, live))
}

fn run(args: &[String]) -> Result<(), String> {
    let [inp, outp, rest @ ..] = args else {
        return Err("usage: frontend IN.wav OUT.wav [options]".into());
    };
    let (cfg, live) = parse(rest)?;
    let mut r = hound::WavReader::open(inp).map_err(|e| format!("{inp}: {e}"))?;
    let spec = r.spec();
    if spec.sample_rate != 16000 {
        return Err(format!("{inp}: {} Hz, expected 16000", spec.sample_rate));
    }
    let n = spec.channels as usize;
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
        }
        hound::SampleFormat::Float => r.samples::<f32>().collect::<Result<_, _>>(),
    }
    .map_err(|e| e.to_string())?;
    let chans: Vec<Vec<f32>> = (0..n)
        .map(|c| samples.iter().skip(c).step_by(n).copied().collect())
        .collect();
    let secs = chans[0].len() as f64 / 16000.0;
    if live {
        // The streaming chain in 20 ms blocks, as capture would feed it.
        let t = std::time::Instant::now();
        let mut fe = LiveFrontEnd::new(n, &cfg);
        let mut y = Vec::with_capacity(chans[0].len() + 16000);
        let len = chans[0].len();
        for start in (0..len).step_by(320) {
            let end = (start + 320).min(len);
            let blocks: Vec<&[f32]> = chans.iter().map(|c| &c[start..end]).collect();
            fe.push(&blocks, &mut y);
        }
        let tail = vec![vec![0.0f32; fe.latency() + 320]; n];
        let blocks: Vec<&[f32]> = tail.iter().map(|c| &c[..]).collect();
        fe.push(&blocks, &mut y);
        eprintln!(
            "{inp}: {secs:.1} s, {n} ch; live RTF {:.4}, latency {} samples",
            t.elapsed().as_secs_f64() / secs,
            fe.latency()
        );
        y.drain(..fe.latency().min(y.len()));
        y.resize(len, 0.0);
        return write(outp, &y);
    }
    let (y, tm) = process(&chans, &cfg);
    let rtf = |d: std::time::Duration| d.as_secs_f64() / secs;
    eprintln!(
        "{inp}: {secs:.1} s, {n} ch; RTF hp {:.4} stft {:.4} wpe {:.4} beam {:.4} denoise {:.4} level {:.4}",
        rtf(tm.highpass),
        rtf(tm.stft),
        rtf(tm.wpe),
        rtf(tm.beam),
        rtf(tm.denoise),
        rtf(tm.level)
    );
    write(outp, &y)
}

fn write(outp: &str, y: &[f32]) -> Result<(), String> {
    let ospec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(outp, ospec).map_err(|e| format!("{outp}: {e}"))?;
    for &s in y {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .map_err(|e| e.to_string())?;
    }
    w.finalize().map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("frontend: {e}");
            ExitCode::FAILURE
        }
    }
}
