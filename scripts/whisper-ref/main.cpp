// whisper-ref: whisper.cpp's own decoding, called the way its CLI (whisper-cli) calls it, as
// the speed reference for scripts/bench-vs-whisper-cli.sh when whisper-cli itself cannot be
// built (its sources come from npm; this builds from the whisper.cpp sources vendored in
// vendor/whisper-rs-sys, the same version 1.9.1). Never part of the product.
//
// It does what `whisper-cli -m M -f F -l L -t N -bs 1 -bo 1 -np -nt [-tpi X]` does between
// reading the audio and printing the text: whisper.cpp's default context parameters (flash
// attention on, as in whisper-cli), greedy decoding with best_of 1, whisper-cli's thresholds
// (entropy 2.4, log-probability -1.0, no-speech 0.6, temperature 0.0 + 0.2 fallback unless
// -tpi), no_timestamps as -nt sets it, and one whisper_full over the whole recording.
//
// Usage: whisper-ref -m MODEL -f WAV(16 kHz mono 16-bit) [-l LANG] [-t THREADS] [-tpi X] [-nt]
//        (-bs 1 -bo 1 -np are accepted, so the command line is whisper-cli's)
#include "whisper.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

static bool read_wav(const std::string & path, std::vector<float> & pcm) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::vector<char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (b.size() < 12 || memcmp(b.data(), "RIFF", 4) || memcmp(b.data() + 8, "WAVE", 4)) return false;
    size_t p = 12;
    uint16_t fmt = 0, ch = 0, bits = 0;
    uint32_t rate = 0;
    while (p + 8 <= b.size()) {
        uint32_t n;
        memcpy(&n, b.data() + p + 4, 4);
        const char * id = b.data() + p;
        const char * d = b.data() + p + 8;
        if (!memcmp(id, "fmt ", 4) && n >= 16) {
            memcpy(&fmt, d, 2); memcpy(&ch, d + 2, 2); memcpy(&rate, d + 4, 4); memcpy(&bits, d + 14, 2);
        } else if (!memcmp(id, "data", 4)) {
            if (fmt != 1 || ch != 1 || bits != 16 || rate != WHISPER_SAMPLE_RATE) {
                fprintf(stderr, "need 16 kHz mono 16-bit PCM\n");
                return false;
            }
            n = (uint32_t) std::min<size_t>(n, b.size() - p - 8);
            pcm.resize(n / 2);
            for (size_t i = 0; i < pcm.size(); i++) {
                int16_t s;
                memcpy(&s, d + 2 * i, 2);
                pcm[i] = s / 32768.0f;
            }
            return true;
        }
        p += 8 + n + (n & 1);
    }
    return false;
}

int main(int argc, char ** argv) {
    std::string model, wav, lang = "en";
    int threads = 4;
    float tpi = 0.2f;
    bool no_timestamps = false;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) { fprintf(stderr, "%s needs a value\n", a.c_str()); exit(2); }
            return argv[++i];
        };
        if (a == "-m") model = next();
        else if (a == "-f") wav = next();
        else if (a == "-l") lang = next();
        else if (a == "-t") threads = std::stoi(next());
        else if (a == "-tpi") tpi = std::stof(next());
        else if (a == "-nt") no_timestamps = true;
        else if (a == "-np") {} // prints are always off
        else if ((a == "-bs" || a == "-bo") && next() == "1") {} // greedy, one candidate: the only mode
        else { fprintf(stderr, "unknown argument %s\n", a.c_str()); return 2; }
    }
    std::vector<float> pcm;
    if (model.empty() || !read_wav(wav, pcm)) {
        fprintf(stderr, "usage: whisper-ref -m MODEL -f WAV [-l LANG] [-t N] [-tpi X] [-nt]\n");
        return 2;
    }
    whisper_log_set([](enum ggml_log_level, const char *, void *) {}, nullptr); // -np
    whisper_context_params cparams = whisper_context_default_params();
    cparams.flash_attn = true;
    whisper_context * ctx = whisper_init_from_file_with_params(model.c_str(), cparams);
    if (!ctx) { fprintf(stderr, "could not load %s\n", model.c_str()); return 1; }
    whisper_full_params w = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
    w.print_realtime = false;
    w.print_progress = false;
    w.print_timestamps = !no_timestamps;
    w.print_special = false;
    w.language = lang.c_str();
    w.n_threads = threads;
    w.greedy.best_of = 1;
    w.beam_search.beam_size = 1;
    w.temperature = 0.0f;
    w.temperature_inc = tpi;
    w.entropy_thold = 2.40f;
    w.logprob_thold = -1.00f;
    w.no_speech_thold = 0.6f;
    w.no_timestamps = no_timestamps;
    if (whisper_full(ctx, w, pcm.data(), (int) pcm.size()) != 0) {
        fprintf(stderr, "whisper_full failed\n");
        return 1;
    }
    for (int i = 0; i < whisper_full_n_segments(ctx); i++) printf("%s\n", whisper_full_get_segment_text(ctx, i));
    whisper_free(ctx);
    return 0;
}
