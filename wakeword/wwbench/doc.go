// Package wwbench measures wake-word models on a labelled set of wav files:
// miss rate, false accepts per hour, detection latency, CPU cost and a
// detection-error trade-off (DET) sweep over cutoffs.
//
// Run feeds every file through audio/frontend and one wakeword.Engine per
// model, the code path of the live listener, and records each model's raw
// outputs. NewReport scores the Engine's own detections and replays the
// recorded outputs at every uint8 cutoff with Replay, which replicates the
// Engine's ESPHome logic (sliding window, cool-off, VAD gate) without running
// the models again; the report checks that the replay at the configured cutoff
// agrees with the Engine.
//
// Labels come from a CSV (ParseLabels): file, phrase, start_s, end_s and an
// optional condition column; a negative file has phrase "" or "-". A model is
// scored against the phrase of its manifest's wake_word (or its name):
// positives of that phrase, negatives, and positives of other phrases, whose
// detections are reported separately from false accepts on negatives.
//
// Units: times are time.Duration from the file's start (a detection's time is
// the end of the feature window that fired), rates are per hour of audio,
// miss rates 0..1, cutoffs probabilities 0..1 and their uint8 thresholds.
// Run processes files on Opts.Jobs goroutines; nothing else is concurrent.
package wwbench
