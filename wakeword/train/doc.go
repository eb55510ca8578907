// Package train trains a custom wake-word model from text, offline, in pure Go.
//
// Data: the wake phrase, generated near misses ("hey jenny", "genius", "genie"
// alone…; exact homophones such as "hey jeannie" are dropped by comparing
// espeak-ng phonemes) and paragraphs of generated ordinary sentences are spoken
// by every local TTS voice: espeak-ng base voices × variants, the installed
// mbrola voices (via espeak-ng mb-*), flite voices and festival voices, with
// random speed, pitch and intonation range (Mandarin: espeak-ng's
// cmn-latn-pinyin voice and its variants). Voices, never clips, are split into train, validation and held-out
// test sets: an espeak-ng variant (m3, f2, …) or an mbrola/flite speaker
// belongs to one split for every accent. PoolOpts.RandomVariants (`genie
// wakeword train --random-voices N`, off by default) adds N training speakers
// drawn at random from espeak-ng's variant parameters (RandomVariant).
// PoolOpts.RHVoice (`--rhvoice all|lgpl|lgpl-accents`, off by default) adds
// RHVoice's English HTS voices (Debian non-free; two of the six are licensed
// for non-commercial use only) and, with lgpl-accents, nine LGPL voices of
// other languages reading respelled English. Recipe.RecordingsDir and
// NegativesDir (`--recordings DIR --negatives DIR`) add a user's own WAV
// files: people saying the phrase, split by speaker, and audio that must not
// wake the model, split by file (LoadRecordings); they train, validate and
// test with the synthetic material, and the work directory keeps them for
// LoadWorkPools. TakeCutter cuts such takes out of a live microphone stream
// (`genie wakeword record`), keeping only what LoadRecordings will take.
//
// Augmentation (Go): speed perturbation, synthetic room reverberation
// (exponentially decaying sparse impulse responses), white/pink/brown noise,
// babble made of other speech and music-like tones at 0–30 dB SNR, cheap-mic
// band limiting, gain, random placement with speech before or after the
// phrase; with RenderOpts.Colour (`--colour S`, off by default) a share of the
// spoken clips also gets another spectral balance (shelves and a peak). Half
// the positive examples come from the non-espeak voices, which
// the espeak-ng variants outnumber about 3 to 1. Every example is rendered through the bit-exact microfrontend with
// half a second or more of lead-in so its noise estimate has settled.
//
// Model: 1-D convolutions over time (VALID, ReLU; the first strided by the
// streaming step of 3 frames, the rest stride 1) on a window of feature
// frames, one dense unit and a sigmoid, trained in float32 with hand-written
// backward passes (checked against finite differences), Adam, class
// weighting and an exponential moving average of the weights. After every
// epoch the averaged network is exported to int8 and run through the real
// engine over validation streams (phrases clean and at 10 dB SNR, about
// 1.5 h of clean ordinary speech); its miss rates at the lowest cutoffs that
// let through 0–3 false accepts in that speech rank the epochs, pick the best
// (from Opts.MinEpochs on) and drive early stopping. After training the
// model's cutoff is the lowest at which that speech and the same speech at
// 10 dB together wake it no more often than the FA/h target, as the held-out
// test counts false accepts. Minibatches are split
// over goroutines with a fixed reduction order, so a seed gives the same
// model. Checkpoints are written atomically after every epoch and a rerun
// resumes.
//
// Export: int8 post-training quantization (per-channel conv weights,
// calibrated activation ranges) into a streaming TFLite flatbuffer with
// microWakeWord's interface: input [1,3,40] INT8, output [1,1] UINT8. Like
// microWakeWord's models it streams per layer: each layer keeps the inputs it
// still needs in its own resource variable (CALL_ONCE, VAR_HANDLE,
// READ_VARIABLE, CONCATENATION, STRIDED_SLICE, ASSIGN_VARIABLE) and computes
// only its newest output frame per inference with CONV_2D; FULLY_CONNECTED,
// LOGISTIC and QUANTIZE over the kept final frames give the score — all ops
// ESPHome's micro_wake_word component registers — with a v2 manifest whose
// cutoff is chosen on validation voices. The manifest's tensor_arena_size is an estimate
// (TFLM's own overhead was not measured on a device).
package train
