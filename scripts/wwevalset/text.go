package main

import (
	"math/rand/v2"
	"strings"
)

// The negative speech is generated from these lists: everyday requests, small
// talk and narration of the kind a speaker in a living room hears. None of the
// wake phrases occurs; "okay", "hey", "Alex" and "my" do, to tempt the models.
var (
	subjects = []string{"the weather", "my sister", "our neighbour", "the old clock", "a small boat", "the children",
		"the kitchen light", "the red car", "this morning's paper", "the orchestra", "the baker", "a tall man",
		"the dog next door", "my brother Alex", "the garden", "the new teacher", "the river", "an old friend",
		"the train to the city", "the football team", "a quiet evening", "the market", "the radio", "the farmer"}
	verbs = []string{"was waiting for", "looked at", "brought back", "talked about", "forgot", "found", "painted",
		"carried", "followed", "remembered", "cleaned", "opened", "closed", "watched", "fixed", "sold", "visited",
		"listened to", "wrote about", "walked past"}
	objects = []string{"the blue door", "a basket of apples", "the long road home", "the bright stars",
		"a letter from Paris", "the empty station", "the broken window", "three yellow chairs", "the summer rain",
		"the mountain path", "a cup of tea", "the evening news", "the last bus", "a box of books",
		"the lights in the hall", "the wooden bridge", "a map of the island", "the music downstairs"}
	tails = []string{"", "", " before dinner", " in the afternoon", " after the storm", " last winter", " again",
		" without a word", " near the harbour", " for a long time", " with great care", " on Sunday"}
	requests = []string{"turn on the kitchen lights", "what time is it", "set a timer for ten minutes",
		"play some relaxing music", "what's the weather like tomorrow", "add milk to the shopping list",
		"turn the volume down", "how far is the moon", "call my mother", "remind me to water the plants",
		"switch off the television", "is it going to rain today", "open the garage door", "tell me a joke",
		"what's on my calendar", "dim the bedroom lights to forty percent", "start the dishwasher",
		"how do you spell necessary", "read me the news", "lock the front door"}
	openers = []string{"", "", "", "okay, ", "hey, ", "well, ", "so ", "and then ", "you know, ", "okay so ",
		"hey there, ", "listen, ", "by the way, "}
)

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

// sentence returns one generated sentence.
func sentence(r *rand.Rand) string {
	var s string
	switch r.IntN(3) {
	case 0:
		s = pick(r, openers) + pick(r, requests)
		if r.IntN(3) == 0 {
			s += ", please"
		}
		s += pick(r, []string{".", "?", "."})
	default:
		s = pick(r, openers) + pick(r, subjects) + " " + pick(r, verbs) + " " + pick(r, objects) + pick(r, tails) + "."
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// paragraph returns n generated sentences.
func paragraph(r *rand.Rand, n int) string {
	ss := make([]string, n)
	for i := range ss {
		ss[i] = sentence(r)
	}
	return strings.Join(ss, " ")
}
