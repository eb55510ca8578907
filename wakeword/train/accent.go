package train

import (
	"context"
	"fmt"
	"maps"
	"os/exec"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Accented voices: Debian's festival voices for Czech, Italian, Finnish,
// Russian, Hindi and Catalan speak the English wake phrase (and the near
// misses and ordinary speech) the way a speaker of that language reads an
// English word spelled in their own orthography. They add speakers — a
// child, female and male voices, diphone, unit-selection and HMM synthesis —
// that no English engine on a Debian machine has.
//
// The text is first turned into English phonemes by espeak-ng (--ipa), then
// each phoneme is spelled with the letters the voice's own letter-to-sound
// rules read closest to it (Respell). This works for any phrase, not only
// "hey genie".

// accentVoice is one festival voice of another language.
type accentVoice struct {
	name    string // festival voice, e.g. "czech_dita"
	lang    string // orthography its text is respelled in: cs, it, fi, ru, hi, ca
	speaker string // the person behind it (Hindi, Marathi and Telugu NSK share one)
	split   Split
}

// accentVoices are the Debian festvox voices of other languages. Two speakers
// validate; the rest train. The test split keeps its English voices so its
// figures stay comparable across recipes.
var accentVoices = []accentVoice{
	{"czech_dita", "cs", "dita", SplitTrain},        // festvox-czech-dita, adult female
	{"czech_krb", "cs", "krb", SplitTrain},          // festvox-czech-krb, child
	{"czech_machac", "cs", "machac", SplitTrain},    // festvox-czech-machac, adult male
	{"czech_ph", "cs", "ph", SplitVal},              // festvox-czech-ph, male
	{"pc_diphone", "it", "pc", SplitTrain},          // festvox-itapc16k, male
	{"lp_diphone", "it", "lp", SplitVal},            // festvox-italp16k, female
	{"suo_fi_lj_diphone", "fi", "lj", SplitTrain},   // festvox-suopuhe-lj, female
	{"hy_fi_mv_diphone", "fi", "mv", SplitTrain},    // festvox-suopuhe-mv, male
	{"msu_ru_nsh_clunits", "ru", "nsh", SplitTrain}, // festvox-ru, male, unit selection
	{"hindi_NSK_diphone", "hi", "nsk", SplitTrain},  // festvox-hi-nsk, male
	{"upc_ca_ona_hts", "ca", "ona", SplitTrain},     // festvox-ca-ona-hts, female, HMM synthesis
}

// rhvoiceAccentVoices are RHVoice's LGPL-2.1+ voices of other languages
// (Debian non-free: rhvoice-russian, rhvoice-ukrainian, rhvoice-kyrgyz,
// rhvoice-esperanto; /usr/share/doc/rhvoice-english/copyright), used with
// PoolOpts.RHVoice = RHVoiceAccents. Like the festival voices above they read
// English respelled in their own orthography, but they are HTS voices of
// adult speakers recorded for RHVoice, a kind of accented English no other
// engine here has. RHVoice's other voices of these languages are under
// Creative Commons licences, most of them non-commercial (aleksandr-hq is
// BY-SA, marianna and volodymyr BY-ND), and are left out. All nine train: the test
// split keeps its voices, and validation has accented speakers already.
var rhvoiceAccentVoices = []accentVoice{
	{"aleksandr", "ru", "aleksandr", SplitTrain}, // rhvoice-russian, male
	{"anna", "ru", "anna", SplitTrain},           // rhvoice-russian, female
	{"elena", "ru", "elena", SplitTrain},         // rhvoice-russian, female
	{"irina", "ru", "irina", SplitTrain},         // rhvoice-russian, female
	{"anatol", "uk", "anatol", SplitTrain},       // rhvoice-ukrainian, male
	{"natalia", "uk", "natalia", SplitTrain},     // rhvoice-ukrainian, female
	{"azamat", "ky", "azamat", SplitTrain},       // rhvoice-kyrgyz, male
	{"nazgul", "ky", "nazgul", SplitTrain},       // rhvoice-kyrgyz, female
	{"spomenka", "eo", "spomenka", SplitTrain},   // rhvoice-esperanto, female
}

// RHVoiceAccentPackages are the Debian packages of rhvoiceAccentVoices.
const RHVoiceAccentPackages = "rhvoice-russian rhvoice-ukrainian rhvoice-kyrgyz rhvoice-esperanto"

// AccentPackages are the Debian packages of accentVoices (festival-hi, the
// Hindi text rules, is only a Recommends of festvox-hi-nsk).
const AccentPackages = "festvox-czech-dita festvox-czech-krb festvox-czech-machac festvox-czech-ph festvox-itapc16k festvox-italp16k " +
	"festvox-suopuhe-lj festvox-suopuhe-mv festvox-ru festvox-hi-nsk festival-hi festvox-ca-ona-hts"

// respellVersion changes whenever the spelling tables do, so cached speech
// of accented voices is synthesized again.
const respellVersion = 1

// voice returns a as a Voice of engine, in its split and speaker's group.
func (a accentVoice) voice(engine string) Voice {
	return Voice{Engine: engine, Name: a.name, Split: a.split, Accent: a.lang, group: a.speaker}
}

// accentOf returns the festival accent voice called name.
func accentOf(name string) (accentVoice, bool) { return findAccent(accentVoices, name) }

// rhvoiceAccentOf returns the RHVoice accent voice called name.
func rhvoiceAccentOf(name string) (accentVoice, bool) { return findAccent(rhvoiceAccentVoices, name) }

func findAccent(list []accentVoice, name string) (accentVoice, bool) {
	for _, a := range list {
		if a.name == name {
			return a, true
		}
	}
	return accentVoice{}, false
}

// englishPhonemes are the atomic phonemes of espeak-ng's English IPA output.
// espeak-ng also writes clusters such as "aɪɚ", "əl" or "ʊɹ" as one unit;
// splitIPA cuts those into these, longest first.
var englishPhonemes = []string{
	"tʃ", "dʒ", "eɪ", "aɪ", "aʊ", "ɔɪ", "oʊ", "əʊ", "iː", "uː", "ɑː", "ɔː", "ɜː", "ɪə", "eə", "ʊə", "iə",
	"i", "ɪ", "ᵻ", "e", "ɛ", "æ", "a", "ɑ", "ɒ", "ɔ", "o", "u", "ʊ", "ʌ", "ə", "ɚ", "ɜ", "ɝ", "ɐ",
	"p", "b", "t", "d", "k", "ɡ", "g", "f", "v", "θ", "ð", "s", "z", "ʃ", "ʒ", "h", "m", "n", "ŋ", "l", "ɹ", "r",
	"j", "w", "ʔ", "ɾ", "x", "ɬ", "c",
}

// vowelClass maps every English vowel phoneme to a plain vowel quality (or a
// sequence of them for diphthongs); consonants are absent.
var vowelClass = map[string]string{
	"i": "i", "ɪ": "i", "ᵻ": "i", "iː": "I", "e": "e", "ɛ": "e", "æ": "E", "a": "a", "ɑ": "a", "ɑː": "A", "ɒ": "o", "ɔ": "o",
	"ɔː": "O", "o": "o", "u": "u", "ʊ": "u", "uː": "U", "ʌ": "a", "ə": "@", "ɐ": "a", "ɚ": "@r", "ɜ": "@r", "ɜː": "@r", "ɝ": "@r",
	"eɪ": "ej", "aɪ": "aj", "aʊ": "aw", "ɔɪ": "oj", "oʊ": "ow", "əʊ": "ow", "ɪə": "i@", "iə": "i@", "eə": "e@", "ʊə": "u@",
}

// splitIPA turns espeak-ng "--ipa --sep=_" output into words of phonemes from
// englishPhonemes. Stress and length-less marks are dropped; clauses (lines)
// are separated by a "," word.
func splitIPA(ipa string) [][]string {
	var words [][]string
	for line := range strings.SplitSeq(ipa, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if len(words) > 0 {
			words = append(words, []string{","})
		}
		for w := range strings.FieldsSeq(line) {
			var ph []string
			for u := range strings.SplitSeq(w, "_") {
				u = strings.NewReplacer("ˈ", "", "ˌ", "", "-", "").Replace(u)
				for u != "" {
					p := longestPhoneme(u)
					if p == "" { // a diacritic or mark: skip one rune
						_, n := utf8.DecodeRuneInString(u)
						u = u[n:]
						continue
					}
					ph = append(ph, p)
					u = u[len(p):]
				}
			}
			if len(ph) > 0 {
				words = append(words, ph)
			}
		}
	}
	return words
}

func longestPhoneme(s string) string {
	best := ""
	for _, p := range englishPhonemes {
		if len(p) > len(best) && strings.HasPrefix(s, p) {
			best = p
		}
	}
	return best
}

// ruConsonants spells the English consonants in Russian Cyrillic; Ukrainian
// and Kyrgyz differ in a few letters.
var ruConsonants = map[string]string{"p": "п", "b": "б", "t": "т", "d": "д", "k": "к", "ɡ": "г", "g": "г", "f": "ф", "v": "в", "θ": "с", "ð": "з", "s": "с",
	"z": "з", "ʃ": "ш", "ʒ": "ж", "tʃ": "ч", "dʒ": "дж", "h": "х", "m": "м", "n": "н", "ŋ": "н", "l": "л", "ɹ": "р", "r": "р",
	"j": "й", "w": "у", "ʔ": "", "ɾ": "д", "x": "х", "ɬ": "л", "c": "к"}

// ruVowels spells vowelClass qualities in Russian Cyrillic (э keeps the
// consonant before it hard); Kyrgyz spells them alike.
var ruVowels = map[byte]string{'i': "и", 'I': "и", 'e': "э", 'E': "э", 'a': "а", 'A': "а", 'o': "о", 'O': "о", 'u': "у", 'U': "у", '@': "а", 'r': "р", 'j': "й", 'w': "у"}

// overlay returns a copy of base with the entries of diff.
func overlay[K comparable](base, diff map[K]string) map[K]string {
	m := maps.Clone(base)
	maps.Copy(m, diff)
	return m
}

// consonants spells the English consonants per orthography. Italian and
// Catalan spell some of them differently before front vowels; see spellWord.
var consonants = map[string]map[string]string{
	"cs": {"p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "ɡ": "g", "g": "g", "f": "f", "v": "v", "θ": "t", "ð": "d", "s": "s",
		"z": "z", "ʃ": "š", "ʒ": "ž", "tʃ": "č", "dʒ": "dž", "h": "h", "m": "m", "n": "n", "ŋ": "n", "l": "l", "ɹ": "r", "r": "r",
		"j": "j", "w": "v", "ʔ": "", "ɾ": "d", "x": "ch", "ɬ": "l", "c": "k"},
	"fi": {"p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "ɡ": "g", "g": "g", "f": "f", "v": "v", "θ": "t", "ð": "d", "s": "s",
		"z": "s", "ʃ": "s", "ʒ": "s", "tʃ": "ts", "dʒ": "dz", "h": "h", "m": "m", "n": "n", "ŋ": "n", "l": "l", "ɹ": "r", "r": "r",
		"j": "j", "w": "v", "ʔ": "", "ɾ": "d", "x": "h", "ɬ": "l", "c": "k"},
	"ru": ruConsonants,
	// Ukrainian г is /ɦ/, close to English h; ґ is /g/; в is /w/ after a vowel.
	"uk": overlay(ruConsonants, map[string]string{"ɡ": "ґ", "g": "ґ", "h": "г", "w": "в"}),
	// Kyrgyz ж is /dʒ/ and ң is /ŋ/.
	"ky": overlay(ruConsonants, map[string]string{"dʒ": "ж", "ŋ": "ң"}),
	// Esperanto is spelled as it sounds: ĉ ĝ ŝ ĵ ĥ, and ŭ for /w/.
	"eo": {"p": "p", "b": "b", "t": "t", "d": "d", "k": "k", "ɡ": "g", "g": "g", "f": "f", "v": "v", "θ": "t", "ð": "d", "s": "s",
		"z": "z", "ʃ": "ŝ", "ʒ": "ĵ", "tʃ": "ĉ", "dʒ": "ĝ", "h": "h", "m": "m", "n": "n", "ŋ": "n", "l": "l", "ɹ": "r", "r": "r",
		"j": "j", "w": "ŭ", "ʔ": "", "ɾ": "d", "x": "ĥ", "ɬ": "l", "c": "k"},
	"it": {"p": "p", "b": "b", "t": "t", "d": "d", "k": "c", "ɡ": "g", "g": "g", "f": "f", "v": "v", "θ": "t", "ð": "d", "s": "s",
		"z": "s", "ʃ": "sci", "ʒ": "gi", "tʃ": "ci", "dʒ": "gi", "h": "", "m": "m", "n": "n", "ŋ": "n", "l": "l", "ɹ": "r", "r": "r",
		"j": "i", "w": "u", "ʔ": "", "ɾ": "d", "x": "c", "ɬ": "l", "c": "c"},
	"ca": {"p": "p", "b": "b", "t": "t", "d": "d", "k": "c", "ɡ": "g", "g": "g", "f": "f", "v": "v", "θ": "t", "ð": "d", "s": "s",
		"z": "z", "ʃ": "x", "ʒ": "j", "tʃ": "tx", "dʒ": "tj", "h": "", "m": "m", "n": "n", "ŋ": "n", "l": "l", "ɹ": "r", "r": "r",
		"j": "i", "w": "u", "ʔ": "", "ɾ": "d", "x": "c", "ɬ": "l", "c": "c"},
}

// vowels spells vowelClass qualities per orthography (one letter each;
// diphthongs are spelled letter by letter).
var vowels = map[string]map[byte]string{
	"cs": {'i': "i", 'I': "í", 'e': "e", 'E': "e", 'a': "a", 'A': "á", 'o': "o", 'O': "ó", 'u': "u", 'U': "ú", '@': "e", 'r': "r", 'j': "j", 'w': "u"},
	"fi": {'i': "i", 'I': "ii", 'e': "e", 'E': "ä", 'a': "a", 'A': "aa", 'o': "o", 'O': "oo", 'u': "u", 'U': "uu", '@': "ö", 'r': "r", 'j': "i", 'w': "u"},
	"ru": ruVowels,
	// Ukrainian і is /i/ (и is /ɪ/), е is /e/.
	"uk": overlay(ruVowels, map[byte]string{'i': "і", 'I': "і", 'e': "е", 'E': "е", 'w': "в"}),
	"ky": ruVowels,
	"eo": {'i': "i", 'I': "i", 'e': "e", 'E': "e", 'a': "a", 'A': "a", 'o': "o", 'O': "o", 'u': "u", 'U': "u", '@': "e", 'r': "r", 'j': "j", 'w': "ŭ"},
	"it": {'i': "i", 'I': "i", 'e': "e", 'E': "e", 'a': "a", 'A': "a", 'o': "o", 'O': "o", 'u': "u", 'U': "u", '@': "e", 'r': "r", 'j': "i", 'w': "u"},
	"ca": {'i': "i", 'I': "i", 'e': "e", 'E': "e", 'a': "a", 'A': "a", 'o': "o", 'O': "o", 'u': "u", 'U': "u", '@': "e", 'r': "r", 'j': "i", 'w': "u"},
}

// Respell writes English text (as pronounced by espeak-ng's en-us voice) in
// the orthography lang ("cs", "it", "fi", "ru", "hi", "ca", "uk", "ky" or
// "eo"), as UTF-8.
func Respell(ctx context.Context, text, lang string) (string, error) {
	if _, ok := consonants[lang]; !ok && lang != "hi" {
		return "", fmt.Errorf("train: no respelling for language %q", lang)
	}
	out, err := exec.CommandContext(ctx, "espeak-ng", "-q", "-v", "en-us", "--ipa", "--sep=_", text).Output()
	if err != nil {
		return "", fmt.Errorf("train: espeak-ng --ipa %q: %w", text, err)
	}
	return respellIPA(string(out), lang), nil
}

// respellIPA spells espeak-ng IPA output in lang.
func respellIPA(ipa, lang string) string {
	var b strings.Builder
	for _, w := range splitIPA(ipa) {
		if len(w) == 1 && w[0] == "," {
			b.WriteString(", ")
			continue
		}
		if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
		if lang == "hi" {
			b.WriteString(spellDevanagari(w))
		} else {
			b.WriteString(spellWord(w, lang))
		}
	}
	return strings.TrimSpace(b.String())
}

// spellWord spells one word of phonemes in a Latin or Cyrillic orthography.
func spellWord(w []string, lang string) string {
	cons, vow := consonants[lang], vowels[lang]
	var b strings.Builder
	for i, p := range w {
		next := ""
		if i+1 < len(w) {
			next = vowelClass[w[i+1]]
		}
		if q, ok := vowelClass[p]; ok {
			for k := 0; k < len(q); k++ {
				s := vow[q[k]]
				// Czech d, t, n before i soften (ď ť ň); y keeps them hard.
				if lang == "cs" && k == 0 && (s == "i" || s == "í") && endsWithAny(b.String(), "d", "t", "n") {
					s = map[string]string{"i": "y", "í": "ý"}[s]
				}
				b.WriteString(s)
			}
			continue
		}
		b.WriteString(spellConsonant(p, next, cons, lang))
	}
	return b.String()
}

// spellConsonant handles the Italian and Catalan letters whose sound depends
// on the following vowel: c/g are hard before a, o, u and soft before e, i.
func spellConsonant(p, next string, cons map[string]string, lang string) string {
	s := cons[p]
	front := next != "" && (next[0] == 'i' || next[0] == 'I' || next[0] == 'e' || next[0] == 'E' || next[0] == '@')
	switch lang {
	case "it":
		switch p {
		case "k", "c":
			if front {
				return "ch"
			}
		case "ɡ", "g":
			if front {
				return "gh"
			}
		case "tʃ", "dʒ", "ʃ", "ʒ":
			if front || next == "" { // "ci"+"i" → "ci"; word-final: no vowel to add
				return strings.TrimSuffix(s, "i")
			}
		}
	case "ca":
		switch p {
		case "k", "c":
			if front {
				return "qu"
			}
		case "ɡ", "g":
			if front {
				return "gu"
			}
		case "dʒ":
			if front {
				return "tg"
			}
		case "ʒ":
			if front {
				return "g"
			}
		}
	}
	return s
}

func endsWithAny(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// Devanagari: consonant letters, and each vowel quality as an independent
// letter and as the sign written after a consonant ("" is the inherent a).
var (
	devaCons = map[string]string{"p": "प", "b": "ब", "t": "ट", "d": "ड", "k": "क", "ɡ": "ग", "g": "ग", "f": "फ़", "v": "व",
		"θ": "थ", "ð": "द", "s": "स", "z": "ज़", "ʃ": "श", "ʒ": "ज़", "tʃ": "च", "dʒ": "ज", "h": "ह", "m": "म", "n": "न",
		"ŋ": "न", "l": "ल", "ɹ": "र", "r": "र", "j": "य", "w": "व", "ʔ": "", "ɾ": "ड", "x": "ख", "ɬ": "ल", "c": "क"}
	devaVowel = map[byte][2]string{'i': {"इ", "ि"}, 'I': {"ई", "ी"}, 'e': {"ए", "े"}, 'E': {"ऐ", "ै"}, 'a': {"अ", ""},
		'A': {"आ", "ा"}, 'o': {"ओ", "ो"}, 'O': {"ऑ", "ॉ"}, 'u': {"उ", "ु"}, 'U': {"ऊ", "ू"}, '@': {"अ", ""}}
)

// spellDevanagari spells one word for the Hindi voice: a consonant followed
// by a vowel takes the vowel's sign, two consonants join with a virama, and
// a vowel after a vowel (or first in the word) is an independent letter.
func spellDevanagari(w []string) string {
	var b strings.Builder
	afterCons := false
	for _, p := range w {
		if q, ok := vowelClass[p]; ok {
			for k := 0; k < len(q); k++ {
				switch c := q[k]; c {
				case 'r':
					b.WriteString("र")
					afterCons = true
					continue
				case 'j':
					b.WriteString("य")
					afterCons = true
					continue
				case 'w':
					b.WriteString("व")
					afterCons = true
					continue
				default:
					v := devaVowel[c]
					if afterCons {
						b.WriteString(v[1])
					} else {
						b.WriteString(v[0])
					}
					afterCons = false
				}
			}
			continue
		}
		c := devaCons[p]
		if c == "" {
			continue
		}
		if afterCons {
			b.WriteString("्")
		}
		b.WriteString(c)
		afterCons = true
	}
	return b.String()
}

// voiceText returns text as v reads it: respelled for an accented voice
// (Respell) and, for festival, encoded in the voice's character set
// (festivalText; RHVoice reads UTF-8); unchanged for the others.
func voiceText(ctx context.Context, v Voice, text string) (string, error) {
	if v.Accent == "" {
		return text, nil
	}
	s, err := Respell(ctx, text, v.Accent)
	if err != nil || v.Engine != "festival" {
		return s, err
	}
	return festivalText(s, v.Accent)
}

// festivalText encodes UTF-8 text in the character set the voice's festival
// rules read: Czech voices read ISO-8859-2, Finnish ISO-8859-1, the others
// UTF-8 (the respellings of Italian and Catalan are ASCII).
func festivalText(text, lang string) (string, error) {
	var enc *charmap.Charmap
	switch lang {
	case "cs":
		enc = charmap.ISO8859_2
	case "fi":
		enc = charmap.ISO8859_1
	default:
		return text, nil
	}
	s, err := enc.NewEncoder().String(text)
	if err != nil {
		return "", fmt.Errorf("train: %q in %s's character set: %w", text, lang, err)
	}
	return s, nil
}
