package tflite

import (
	"encoding/binary"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/genie-voice/genie/internal/sharedtest"
)

var modelNames = []string{"hey_jarvis", "okay_nabu", "alexa", "hey_mycroft", "vad"}

var clips = []string{"tts_hey_jarvis", "tts_okay_nabu", "tts_alexa", "tts_hey_mycroft", "tts_negative", "real_hey_jarvis", "real_okay_nabu"}

func quantizeFeature(f uint16) int8 {
	q := (int32(f)*256+333)/666 - 128
	return int8(min(max(q, -128), 127))
}

func loadFeatures(t testing.TB, clip string) [][40]uint16 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "features", clip+".u16"))
	if err != nil {
		t.Fatal(err)
	}
	frames := make([][40]uint16, len(b)/80)
	for i := range frames {
		for j := range 40 {
			frames[i][j] = binary.LittleEndian.Uint16(b[80*i+2*j:])
		}
	}
	return frames
}

// loadOutputs returns, per model column name, the raw outputs of the clip.
func loadOutputs(t testing.TB, clip string) (frames []int, outs map[string][]uint8) {
	t.Helper()
	f, err := os.Open(filepath.Join(sharedtest.Dir(t, "reference/microwakeword"), "outputs", clip+".outputs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	outs = map[string][]uint8{}
	for _, r := range rows[1:] {
		fr, _ := strconv.Atoi(r[0])
		frames = append(frames, fr)
		for c, name := range rows[0] {
			if len(name) > 3 && name[len(name)-3:] == "_u8" {
				v, err := strconv.Atoi(r[c])
				if err != nil {
					t.Fatal(err)
				}
				outs[name[:len(name)-3]] = append(outs[name[:len(name)-3]], uint8(v))
			}
		}
	}
	return frames, outs
}

func TestGoldenOutputs(t *testing.T) {
	dir := sharedtest.Dir(t, "models/microwakeword")
	for _, name := range modelNames {
		b, err := os.ReadFile(filepath.Join(dir, name+".tflite"))
		if err != nil {
			t.Fatal(err)
		}
		it, err := New(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		exact, total, maxDiff := 0, 0, 0
		for _, clip := range clips {
			feats := loadFeatures(t, clip)
			_, outs := loadOutputs(t, clip)
			want := outs[name]
			it.Reset()
			in := it.Inputs()[0].Int8()
			var got []uint8
			for i, fr := range feats {
				for j, v := range fr {
					in[(i%3)*40+j] = quantizeFeature(v)
				}
				if i%3 == 2 {
					it.Invoke()
					got = append(got, it.Outputs()[0].Uint8(0))
				}
			}
			if len(got) != len(want) {
				t.Fatalf("%s/%s: %d outputs, want %d", name, clip, len(got), len(want))
			}
			for i := range got {
				d := int(got[i]) - int(want[i])
				if d < 0 {
					d = -d
				}
				maxDiff = max(maxDiff, d)
				total++
				if d == 0 {
					exact++
				} else if d > 1 {
					t.Errorf("%s/%s step %d: got %d, want %d", name, clip, i, got[i], want[i])
				}
			}
		}
		t.Logf("%s: %d/%d outputs bit-exact, max diff %d, arena %d bytes, ops %v", name, exact, total, maxDiff, it.ArenaBytes(), it.Ops())
	}
}
