package train

import (
	"reflect"
	"testing"
)

func TestVoiceFamily(t *testing.T) {
	for _, tc := range []struct{ voice, want string }{
		{"espeak-ng:en-us+m3", "espeak-ng"},
		{"espeak-ng:en-gb-scotland+f2", "espeak-ng"},
		{"espeak-ng:mb-us2", "mbrola:us2"},
		{"flite:rms", "flite:rms"},
		{"festival:ked_diphone", "festival:ked_diphone"},
	} {
		if got := VoiceFamily(tc.voice); got != tc.want {
			t.Errorf("VoiceFamily(%q) = %q, want %q", tc.voice, got, tc.want)
		}
	}
}

// Score marks which targets were hit, and MissByFamily splits the misses by
// voice family.
func TestMissByFamily(t *testing.T) {
	s := &Stream{
		Audio:  make([]float32, 10*sampleRate),
		Starts: []int{1 * sampleRate, 4 * sampleRate, 7 * sampleRate},
		Ends:   []int{2 * sampleRate, 5 * sampleRate, 8 * sampleRate},
		Voices: []string{"espeak-ng:en+m1", "flite:rms", "espeak-ng:en+f2"},
	}
	// A hit on the first phrase, a false accept at 3.5 s, the others missed.
	o := Score(s, []int64{2*sampleRate + 800, 3*sampleRate + 8000})
	if o.Hits != 1 || o.Other != 1 || !reflect.DeepEqual(o.Hit, []bool{true, false, false}) {
		t.Fatalf("outcome %+v", o)
	}
	want := map[string]FamilyMiss{"espeak-ng": {Targets: 2, Missed: 1}, "flite:rms": {Targets: 1, Missed: 1}}
	if got := MissByFamily(s, o); !reflect.DeepEqual(got, want) {
		t.Errorf("MissByFamily = %v, want %v", got, want)
	}
}
