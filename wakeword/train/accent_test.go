package train

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// heyGenieIPA is espeak-ng 1.51's "-v en-us --ipa --sep=_" output for "hey genie".
const heyGenieIPA = "h_ˈeɪ dʒ_ˈiː_n_i\n"

func TestRespellIPA(t *testing.T) {
	for _, tc := range []struct {
		lang, ipa, want string
	}{
		{"cs", heyGenieIPA, "hej džíny"}, // d, t, n + i would soften: y keeps them hard
		{"it", heyGenieIPA, "ei gini"},   // no h in Italian; g before i is /dʒ/
		{"fi", heyGenieIPA, "hei dziini"},
		{"ru", heyGenieIPA, "хэй джини"},
		{"hi", heyGenieIPA, "हेय जीनि"},
		{"ca", heyGenieIPA, "ei tgini"},
		{"uk", heyGenieIPA, "гей джіні"}, // г is /ɦ/, і is /i/
		{"ky", heyGenieIPA, "хэй жини"},  // ж is /dʒ/
		{"eo", heyGenieIPA, "hej ĝini"},
		{"ky", "s_ˈɪ_ŋ ɡ_ˈɪ_ŋ", "сиң гиң"},
		{"eo", "w_ˈɔː_tʃ ʃ_ˈuː", "ŭoĉ ŝu"},
		{"uk", "ɡ_ˈoʊ w_ˈɛ_l", "ґов вел"},
		// Italian and Catalan c/g: hard before a, o, u, softened before e, i.
		{"it", "k_ˈæ_t k_ˈɑː_ɹ ɡ_ˈɛ_t ɡ_ˈoʊ", "chet car ghet gou"},
		{"ca", "k_ˈɪ_ŋ ɡ_ˈɛ_t ɡ_ˈoʊ dʒ_ˈʌ_dʒ", "quin guet gou tjatj"},
		{"it", "tʃ_ˈɜː_tʃ ʃ_ˈɑː_p", "cerc sciap"},
		// Clusters espeak-ng writes as one unit are split; stress marks go;
		// clauses (lines) become commas.
		{"cs", "f_ˈaɪɚ\nb_ˈɑː_ɾ_əl_z", "fajer, bádelz"},
		{"ru", "θ_ˈɪ_ŋ_k_ɪ_ŋ w_ˈɔː_ɾ_ɚ", "синкин уодар"},
		{"hi", "s_t_ˈɑː_p", "स्टाप"}, // consonants join with a virama
		{"hi", "ˈaɪ ˈiː_t", "अय ईट"}, // vowels first in a word are letters
		{"fi", "k_ˈæ_t", "kät"},
	} {
		if got := respellIPA(tc.ipa, tc.lang); got != tc.want {
			t.Errorf("respellIPA(%q, %s) = %q, want %q", tc.ipa, tc.lang, got, tc.want)
		}
	}
}

func TestSplitIPA(t *testing.T) {
	got := splitIPA("f_ˈaɪɚ b_ˈɑː_ɾ_əl_z\nw_ˈɔː_ɾ_ɚ__ æ_n̩_d\n")
	want := [][]string{{"f", "aɪ", "ɚ"}, {"b", "ɑː", "ɾ", "ə", "l", "z"}, {","}, {"w", "ɔː", "ɾ", "ɚ"}, {"æ", "n", "d"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("splitIPA = %q, want %q", got, want)
	}
}

// Every English phoneme has a spelling in every orthography: none is
// silently dropped (the glottal stop is meant to be, and h where the
// language has none).
func TestEveryPhonemeSpelled(t *testing.T) {
	for _, p := range englishPhonemes {
		if q, ok := vowelClass[p]; ok {
			for lang, tab := range vowels {
				for k := range len(q) {
					if tab[q[k]] == "" {
						t.Errorf("%s: vowel %q (%c) has no spelling", lang, p, q[k])
					}
				}
			}
			for k := range len(q) {
				if _, ok := devaVowel[q[k]]; !ok && !strings.ContainsRune("rjw", rune(q[k])) {
					t.Errorf("hi: vowel %q (%c) has no spelling", p, q[k])
				}
			}
			continue
		}
		for lang, tab := range consonants {
			silent := p == "ʔ" || p == "h" && (lang == "it" || lang == "ca") // Italian and Catalan have no /h/
			if s, ok := tab[p]; !ok || s == "" && !silent {
				t.Errorf("%s: consonant %q has no spelling", lang, p)
			}
		}
		if s := devaCons[p]; s == "" && p != "ʔ" {
			t.Errorf("hi: consonant %q has no spelling", p)
		}
	}
}

func TestFestivalText(t *testing.T) {
	cs, err := festivalText("hej džíny", "cs")
	if err != nil || cs != "hej d\xbe\xedny" {
		t.Errorf("Czech: %q, %v; want ISO-8859-2 bytes", cs, err)
	}
	fi, err := festivalText("kät", "fi")
	if err != nil || fi != "k\xe4t" {
		t.Errorf("Finnish: %q, %v; want ISO-8859-1 bytes", fi, err)
	}
	if _, err := festivalText("хэй", "cs"); err == nil || !strings.Contains(err.Error(), "cs") {
		t.Errorf("Cyrillic in a Czech voice: err %v, want one naming the language", err)
	}
	if ru, _ := festivalText("хэй", "ru"); ru != "хэй" {
		t.Errorf("Russian stays UTF-8, got %q", ru)
	}
}

// Every accented voice speaks the respelled phrase, a near miss and a
// paragraph of ordinary speech without its letter-to-sound rules failing.
func TestAccentVoicesSpeak(t *testing.T) {
	needTool(t, "espeak-ng")
	ctx := context.Background()
	para := Paragraph(rand.New(rand.NewPCG(3, 4)), 1)
	var voices []Voice
	for _, a := range accentVoices {
		voices = append(voices, Voice{Engine: "festival", Name: a.name, Accent: a.lang})
	}
	for _, a := range rhvoiceAccentVoices {
		voices = append(voices, Voice{Engine: "rhvoice", Name: a.name, Accent: a.lang})
	}
	for _, v := range voices {
		t.Run(v.Engine+"_"+v.Name, func(t *testing.T) {
			if why := installed(v); why != "" {
				if v.Engine == "rhvoice" {
					t.Skip(why) // Debian non-free: see TestSynthesizeEachEngine
				}
				skipUnlessCI(t, why)
			}
			for _, text := range []string{"hey genie", "genius", para} {
				audio, err := Synthesize(ctx, v, text, SynthOpts{Speed: 160, Pitch: 50, Range: 40}, t.TempDir())
				if err != nil {
					t.Fatal(err)
				}
				d := time.Duration(len(trimSilence(audio))) * time.Second / 16000
				min, max := 400*time.Millisecond, 3*time.Second
				if text == para {
					min, max = time.Second, 20*time.Second
				}
				if d < min || d > max {
					t.Errorf("%q lasts %v, want %v..%v", text, d, min, max)
				}
			}
		})
	}
}

func TestAccentNearMissesDropMergedVowels(t *testing.T) {
	needTool(t, "espeak-ng")
	memo := map[string][]string{}
	// Italian has one i: "hey jinny" is the phrase itself, "hey johnny" is not.
	got, err := accentNearMisses(context.Background(), "hey genie", []string{"hey jinny", "hey johnny"}, "it", memo)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"hey johnny"}) {
		t.Errorf("kept %q, want only \"hey johnny\"", got)
	}
	if _, err := accentNearMisses(context.Background(), "hey genie", []string{"hey jinny"}, "ru", memo); err == nil {
		t.Error("no near miss left: want an error")
	}
}

func FuzzRespellIPA(f *testing.F) {
	for _, s := range []string{heyGenieIPA, "f_ˈaɪɚ\nb_ˈɑː_ɾ_əl_z", "__ˈ\n\n", "n̩_ʔ_x", "\xff\xfe_a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ipa string) {
		for lang := range consonants {
			if out := respellIPA(ipa, lang); utf8.ValidString(ipa) && !utf8.ValidString(out) {
				t.Fatalf("%s: invalid UTF-8 %q from %q", lang, out, ipa)
			}
		}
		_ = respellIPA(ipa, "hi")
	})
}
