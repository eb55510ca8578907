package train

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// needTool skips the test when tool is not installed, and fails it when
// CI=true (.ci/run installs every TTS tool the tests use).
func needTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		skipUnlessCI(t, tool+" not installed")
	}
}

// skipUnlessCI skips the test for why, or fails it when CI=true.
func skipUnlessCI(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI must install it: see .ci/run)", why)
	}
	t.Skip(why)
}

// installed reports why v cannot be used on this machine, or "".
func installed(v Voice) string {
	tool := v.Engine
	switch tool {
	case "festival":
		tool = "text2wave"
	case "rhvoice":
		tool = "RHVoice-test"
	}
	if _, err := exec.LookPath(tool); err != nil {
		return tool + " not installed"
	}
	if v.Engine == "rhvoice" && len(rhVoices("en", RHVoiceAll)) == 0 {
		return "no RHVoice English voice installed (apt-get install rhvoice-english)"
	}
	if _, ok := rhvoiceAccentOf(v.Name); ok && v.Engine == "rhvoice" && !rhvoiceInstalled(v.Name) {
		return "RHVoice voice " + v.Name + " not installed (apt-get install " + RHVoiceAccentPackages + ")"
	}
	if v.Engine == "festival" && !festivalInstalled(v.Name) {
		return "festival voice " + v.Name + " not installed (apt-get install festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts " + AccentPackages + ")"
	}
	return ""
}

func TestSynthesizeEachEngine(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		v    Voice
		text string
		// nonFree voices come from Debian's non-free component, which a
		// stock image (and CI) does not list: the test skips without them
		// even under CI=true, as training does.
		nonFree bool
	}{
		{Voice{Engine: "espeak-ng", Name: "en-us"}, "hey genie", false},
		{Voice{Engine: "espeak-ng", Name: "cmn-latn-pinyin"}, "小精灵", false},
		{Voice{Engine: "flite", Name: "rms"}, "hey genie", false},
		{Voice{Engine: "festival", Name: "kal_diphone"}, "hey genie", false},
		{Voice{Engine: "festival", Name: "ked_diphone"}, "hey genie", false},
		{Voice{Engine: "festival", Name: "cmu_us_slt_arctic_hts"}, "hey genie", false},
		{Voice{Engine: "rhvoice", Name: "bdl"}, "hey genie", true},
		{Voice{Engine: "rhvoice", Name: "lyubov"}, "hey genie", true},
	} {
		t.Run(tc.v.Engine+"_"+tc.v.Name, func(t *testing.T) {
			if why := installed(tc.v); why != "" {
				if tc.nonFree {
					t.Skip(why)
				}
				skipUnlessCI(t, why)
			}
			var durs []time.Duration
			for _, o := range []SynthOpts{{Speed: 120, Pitch: 30, Range: 20}, {Speed: 200, Pitch: 70, Range: 80}} {
				a, err := Synthesize(ctx, tc.v, tc.text, o, t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				a = trimSilence(a)
				d := time.Duration(len(a)) * time.Second / 16000
				if d < 300*time.Millisecond || d > 3*time.Second {
					t.Errorf("%+v: %q lasts %v, want 0.3..3 s", o, tc.text, d)
				}
				if r := rms(a); r < 0.01 || r > 0.9 {
					t.Errorf("%+v: RMS %.4f, want audible speech", o, r)
				}
				durs = append(durs, d)
			}
			// Slow speech must last longer than fast speech: the speed
			// option reaches the engine.
			if durs[0] <= durs[1] {
				t.Errorf("speed 120 lasts %v, speed 200 %v: speed is ignored", durs[0], durs[1])
			}
		})
	}
}

func TestSynthesizeRejectsUnknownVoices(t *testing.T) {
	for _, tc := range []struct {
		v    Voice
		want string
	}{
		{Voice{Engine: "sapi", Name: "david"}, `unknown TTS engine "sapi"`},
		{Voice{Engine: "flite", Name: "nosuch"}, `unknown flite voice "nosuch"`},
		{Voice{Engine: "festival", Name: "nosuch"}, `unknown festival voice "nosuch"`},
		{Voice{Engine: "festival", Name: "kal_diphone)(system \"true\""}, `unknown festival voice`},
		{Voice{Engine: "rhvoice", Name: "nosuch"}, `unknown rhvoice voice "nosuch"`},
	} {
		_, err := Synthesize(context.Background(), tc.v, "hey genie", SynthOpts{Speed: 175, Pitch: 50}, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "train: ") {
			t.Errorf("%v: error %v, want %q", tc.v, err, tc.want)
		}
	}
	if _, err := exec.LookPath("espeak-ng"); err == nil {
		_, err := Synthesize(context.Background(), Voice{Engine: "espeak-ng", Name: "nosuch"}, "hi", SynthOpts{Speed: 175, Pitch: 50}, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "espeak-ng:nosuch") {
			t.Errorf("espeak-ng unknown voice: error %v", err)
		}
	}
}

func TestVoicesSplitBySpeaker(t *testing.T) {
	needTool(t, "espeak-ng")
	vs, err := Voices(context.Background(), "en")
	if err != nil {
		t.Fatal(err)
	}
	split := map[string]Split{}
	for _, v := range vs {
		if s, ok := split[v.group]; ok && s != v.Split {
			t.Errorf("%v is %v but another voice of group %q is %v", v, v.Split, v.group, s)
		}
		split[v.group] = v.Split
	}
	for _, v := range vs {
		if v.Engine == "flite" && v.Name == "rms" && v.Split != SplitTest {
			t.Errorf("flite rms is %v, want held out", v.Split)
		}
		if v.Engine == "festival" && (v.Name == "kal_diphone" && split["kal"] != SplitTrain || v.Name == "ked_diphone" && v.Split != SplitTrain) {
			t.Errorf("%v is %v, want train", v, v.Split)
		}
	}
	if _, err := Voices(context.Background(), "xx"); err == nil || !strings.Contains(err.Error(), `"xx"`) {
		t.Errorf("Voices(xx): error %v", err)
	}
}

// TestPoolVoicesRHVoice checks that PoolOpts.RHVoice adds RHVoice's speakers
// in their splits, and that asking for them without RHVoice is an error
// naming the packages, not a run without them.
func TestPoolVoicesRHVoice(t *testing.T) {
	needTool(t, "espeak-ng")
	ctx := context.Background()
	base, err := PoolVoices(ctx, PoolOpts{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(base, func(v Voice) bool { return v.Engine == "rhvoice" }) {
		t.Errorf("rhvoice voices without PoolOpts.RHVoice")
	}
	t.Run("installed", func(t *testing.T) {
		if why := installed(Voice{Engine: "rhvoice"}); why != "" {
			t.Skip(why) // non-free: see TestSynthesizeEachEngine
		}
		for _, tc := range []struct {
			set  string
			want map[string]Split
		}{
			{RHVoiceAll, map[string]Split{"alan": SplitTrain, "bdl": SplitTrain, "clb": SplitTrain, "slt": SplitVal, "evgeniy-eng": SplitTrain, "lyubov": SplitTrain}},
			// Without the two CC BY-NC-ND voices.
			{RHVoiceLGPL, map[string]Split{"alan": SplitTrain, "bdl": SplitTrain, "clb": SplitTrain, "slt": SplitVal}},
			// And the LGPL voices of other languages, all training.
			{RHVoiceAccents, map[string]Split{"alan": SplitTrain, "bdl": SplitTrain, "clb": SplitTrain, "slt": SplitVal,
				"aleksandr": SplitTrain, "anna": SplitTrain, "elena": SplitTrain, "irina": SplitTrain, "anatol": SplitTrain,
				"natalia": SplitTrain, "azamat": SplitTrain, "nazgul": SplitTrain, "spomenka": SplitTrain}},
		} {
			if tc.set == RHVoiceAccents {
				for _, a := range rhvoiceAccentVoices {
					if why := installed(Voice{Engine: "rhvoice", Name: a.name}); why != "" {
						t.Skip(why)
					}
				}
			}
			vs, err := PoolVoices(ctx, PoolOpts{Lang: "en", RHVoice: tc.set})
			if err != nil {
				t.Fatal(err)
			}
			added := map[string]Split{}
			for _, v := range vs[len(base):] {
				added[v.Name] = v.Split
				if a, ok := rhvoiceAccentOf(v.Name); ok != (v.Accent != "") || v.Accent != a.lang {
					t.Errorf("%s: %s reads English respelled as %q", tc.set, v.Name, v.Accent)
				}
			}
			if !maps.Equal(added, tc.want) {
				t.Errorf("%s: added voices %v, want %v", tc.set, added, tc.want)
			}
			if !slices.Equal(vs[:len(base)], base) {
				t.Errorf("%s: the other voices changed", tc.set)
			}
		}
	})
	t.Run("unknown_set", func(t *testing.T) {
		_, err := PoolVoices(ctx, PoolOpts{Lang: "en", RHVoice: "yes"})
		if err == nil || !strings.Contains(err.Error(), `"yes"`) {
			t.Errorf("error %v, want one naming the set", err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		// A PATH with espeak-ng only.
		dir := t.TempDir()
		espeak, _ := exec.LookPath("espeak-ng")
		if err := os.Symlink(espeak, filepath.Join(dir, "espeak-ng")); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", dir)
		_, err := PoolVoices(ctx, PoolOpts{Lang: "en", RHVoice: RHVoiceAll})
		if err == nil || !strings.Contains(err.Error(), "rhvoice-english") {
			t.Errorf("error %v, want one naming the package", err)
		}
		_, err = PoolVoices(ctx, PoolOpts{Lang: "en", RHVoice: RHVoiceAccents})
		if err == nil || !strings.Contains(err.Error(), "rhvoice-ukrainian") {
			t.Errorf("accents: error %v, want one naming the packages", err)
		}
	})
}

// TestMandarinVoicesSpeakMandarin checks that the Mandarin voices turn hanzi
// into Mandarin phonemes with tones, not pinyin read out by an English voice.
func TestMandarinVoicesSpeakMandarin(t *testing.T) {
	needTool(t, "espeak-ng")
	for _, lang := range []string{"cmn", "zh"} {
		vs, err := Voices(context.Background(), lang)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) < 10 {
			t.Fatalf("%s: only %d voices", lang, len(vs))
		}
		for _, v := range vs[:1] {
			out, err := exec.Command("espeak-ng", "-q", "--ipa", "-v", v.Name, "小精灵").Output()
			if err != nil {
				t.Fatal(err)
			}
			ipa := strings.Join(strings.Fields(string(out)), " ")
			// espeak-ng 1.51 prints ɕjˈɑu2 tɕˈi5ŋ lˈiɜŋ: xiao3 jing1 ling2.
			for _, want := range []string{"ɕj", "tɕ", "ŋ", "l"} {
				if !strings.Contains(ipa, want) {
					t.Errorf("%v speaks 小精灵 as %q, lacking Mandarin %q", v, ipa, want)
				}
			}
			if strings.Contains(ipa, "(en)") {
				t.Errorf("%v switches to English for 小精灵: %q", v, ipa)
			}
		}
	}
}
