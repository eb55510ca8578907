package train

import (
	"math/rand/v2"
	"strings"
)

// Word lists for the negative sentence generator: ordinary speech of the kind a
// voice assistant hears in a home, plus narrative and public-domain-style prose.
var (
	subjects = []string{"the old man", "my sister", "our neighbour", "the children", "a small dog", "the teacher", "everyone",
		"the farmer", "my friend", "the captain", "this morning the baker", "the little girl", "his father", "a tall woman",
		"the doctor", "nobody", "the people in the village", "the cat", "grandma", "the band", "the train", "the committee",
		"a young sailor", "the king", "the driver", "my brother", "the students", "the engineer", "our team", "the mayor"}
	verbs = []string{"walked to", "looked at", "painted", "cleaned", "talked about", "forgot", "remembered", "carried", "opened",
		"closed", "found", "lost", "bought", "sold", "fixed", "visited", "watched", "read about", "wrote about", "waited for",
		"cooked", "followed", "left", "built", "borrowed", "returned", "moved", "counted", "ordered", "answered"}
	objects = []string{"the garden", "a red door", "the market", "the river", "an old letter", "the kitchen table", "the window",
		"a heavy box", "the new bridge", "the morning paper", "a basket of apples", "the blue car", "the library", "the hill",
		"a quiet street", "the station", "the stairs", "a strange noise", "the harbour", "the forest path", "the bakery",
		"the broken chair", "a cup of tea", "the football match", "the school", "a pair of shoes", "the mountain", "the map"}
	tails = []string{"", "", "yesterday", "last week", "before dinner", "in the rain", "after lunch", "without a word", "very slowly",
		"at noon", "on sunday", "for a long time", "again", "with great care", "near the sea", "in the evening", "twice", "quickly"}
	commands = []string{"turn on the kitchen lights", "turn off the living room lamp", "set a timer for ten minutes",
		"what is the weather like tomorrow", "play some jazz music", "what time is it", "add milk to the shopping list",
		"call my mother", "remind me to water the plants", "how far is the moon", "dim the bedroom lights",
		"lock the front door", "what is on my calendar today", "stop the music", "turn the volume down", "open the garage",
		"how many cups are in a litre", "tell me a joke", "is it going to rain", "set the heating to twenty degrees",
		"play the news", "skip this song", "pause", "resume playback", "what is the capital of france", "good morning",
		"thank you very much", "never mind", "how do you spell necessary", "wake me up at seven"}
	openers = []string{"well", "so", "okay", "hey", "hi", "oh", "right", "look", "listen", "honestly", "yes", "no", "hmm", "and then"}
	names   = []string{"john", "mary", "peter", "susan", "david", "anna", "michael", "linda", "james", "emma", "robert", "sophie",
		"thomas", "julia", "daniel", "laura", "kevin", "helen", "george", "alice"}
	fillers = []string{"I think that", "she said that", "it seems that", "we heard that", "they told me that", "apparently",
		"to be honest", "as far as I know", "of course", "in the end"}
)

// Sentence returns one random ordinary English sentence.
func Sentence(rng *rand.Rand) string {
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	switch rng.IntN(7) {
	case 0:
		return pick(commands)
	case 1:
		return pick(openers) + " " + pick(names) + ", " + pick(commands)
	case 2:
		return pick(fillers) + " " + pick(subjects) + " " + pick(verbs) + " " + pick(objects) + " " + pick(tails)
	case 3:
		return pick(openers) + ", " + pick(subjects) + " " + pick(verbs) + " " + pick(objects) + "."
	case 4:
		return "did " + pick(names) + " really say that " + pick(subjects) + " " + pick(verbs) + " " + pick(objects) + "?"
	default:
		return pick(subjects) + " " + pick(verbs) + " " + pick(objects) + " " + pick(tails) + ", and " +
			pick(subjects) + " " + pick(verbs) + " " + pick(objects) + "."
	}
}

// Paragraph returns n sentences joined into one text.
func Paragraph(rng *rand.Rand, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = Sentence(rng)
		if !strings.HasSuffix(s[i], ".") && !strings.HasSuffix(s[i], "?") {
			s[i] += "."
		}
	}
	return strings.Join(s, " ")
}

// curated near misses per wake phrase.
var knownNearMisses = map[string][]string{
	"hey genie": {"hey jeannie", "a genie", "genius", "hey jimmy", "hey jenny", "genie", "hey", "hey gina", "hey jean",
		"hey journey", "hey gene", "hey teeny", "hey ginny", "hey genius", "hey geneva", "say genie", "hey jeans", "hey jamie",
		"okay genie", "hey beanie", "hey meanie", "the genie", "hey there", "hey gee", "hey johnny", "hey joanie",
		"hey chinese", "hey tiny", "hey jenna", "hey sheenie", "hey weenie", "hey kenny", "hay jelly", "hey jerry"},
	"小精灵": {"小精", "精灵", "小金铃", "小经理", "晓玲", "小机灵", "小青年", "小精品", "小心点", "小镜子", "小星星", "你好", "小灵通", "小明", "精灵球"},
}

// NearMisses returns phrases that sound like phrase but must not wake: a curated
// list where one exists, plus generated ones (each word alone, other openers,
// the last word with its first consonant or vowels changed).
func NearMisses(phrase string) []string {
	phrase = strings.ToLower(strings.TrimSpace(phrase))
	seen := map[string]bool{phrase: true}
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range knownNearMisses[phrase] {
		add(s)
	}
	words := strings.Fields(phrase)
	for _, w := range words {
		add(w)
	}
	if len(words) > 1 {
		rest := strings.Join(words[1:], " ")
		for _, o := range []string{"hey", "hi", "okay", "a", "the", "say", "hello"} {
			add(o + " " + rest)
		}
		head := strings.Join(words[:len(words)-1], " ")
		last := words[len(words)-1]
		for _, c := range []string{"b", "d", "j", "k", "m", "p", "t", "s", "sh", "ch"} {
			add(head + " " + c + strings.TrimLeft(last, "bcdfghjklmnpqrstvwxyz"))
		}
		for _, v := range []string{"a", "o", "u"} {
			add(head + " " + strings.Replace(last, "e", v, 1))
		}
	}
	return out
}

// Mandarin material for the negative sentence generator.
var (
	zhSubjects = []string{"我", "你", "他", "她", "我们", "老师", "妈妈", "爸爸", "我的朋友", "孩子们", "邻居", "医生", "司机", "学生们", "奶奶"}
	zhVerbs    = []string{"喜欢", "看了", "买了", "想去", "打开了", "关上了", "找到了", "忘记了", "打扫了", "等了很久", "说起了", "修好了"}
	zhObjects  = []string{"电视", "客厅的灯", "一些苹果", "那本书", "公园", "音乐会", "窗户", "天气预报", "新的自行车", "厨房", "火车站", "一杯茶", "地图", "学校"}
	zhTimes    = []string{"", "今天", "明天", "昨天晚上", "现在", "上个星期", "早上", "下午", "周末"}
	zhCommands = []string{"打开客厅的灯", "现在几点了", "明天天气怎么样", "播放一些音乐", "设置一个十分钟的定时器", "把音量调小一点",
		"关掉卧室的灯", "提醒我给植物浇水", "今天有什么安排", "讲个笑话", "暂停", "下一首歌", "给妈妈打电话", "把空调调到二十六度"}
)

// SentenceLang returns one random ordinary sentence in lang ("en", or "cmn"/"zh").
func SentenceLang(rng *rand.Rand, lang string) string {
	if canonLang(lang) != "cmn" {
		return Sentence(rng)
	}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	switch rng.IntN(4) {
	case 0:
		return pick(zhCommands) + "。"
	case 1:
		return pick(zhTimes) + pick(zhSubjects) + pick(zhVerbs) + pick(zhObjects) + "。"
	case 2:
		return pick(zhSubjects) + "说" + pick(zhSubjects) + pick(zhTimes) + pick(zhVerbs) + pick(zhObjects) + "。"
	default:
		return pick(zhSubjects) + pick(zhTimes) + pick(zhVerbs) + pick(zhObjects) + "，然后" + pick(zhVerbs) + pick(zhObjects) + "。"
	}
}

// ParagraphLang returns n sentences of lang joined into one text.
func ParagraphLang(rng *rand.Rand, n int, lang string) string {
	if canonLang(lang) != "cmn" {
		return Paragraph(rng, n)
	}
	var b strings.Builder
	for range n {
		b.WriteString(SentenceLang(rng, lang))
	}
	return b.String()
}
