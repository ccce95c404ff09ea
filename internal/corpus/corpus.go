// Package corpus generates sonde's own English-like text: the source of
// synthetic prompts and of the simulator's answers. It is deterministic for a
// seed and needs no file or network.
package corpus

import (
	"math/rand/v2"
	"strings"
)

var (
	determiners = strings.Fields("the a this that every each some another our their its my your one no any")
	adjectives  = strings.Fields(`quick small large bright quiet early late simple careful steady hidden open
		clear strong gentle modern ancient honest silent rapid patient curious heavy light warm cold green
		golden distant local global private public final first second last new old young fair proud calm`)
	nouns = strings.Fields(`system server river garden window teacher engine question answer city market
		student village mountain letter journey music paper table record signal model token request
		network station harbor forest planet bridge story camera voice lesson winter summer morning evening
		machine pattern number picture problem season history science theory method result reason memory
		ocean island kitchen doctor artist farmer captain library museum painting language message`)
	verbs = strings.Fields(`measures follows carries builds opens closes finds keeps moves reads writes
		sends holds brings shows turns leaves meets starts helps changes watches covers reaches counts
		answers explains describes notices remembers repeats improves protects prepares collects`)
	adverbs = strings.Fields(`quickly slowly quietly carefully often rarely always never clearly simply
		gently openly suddenly finally nearly easily`)
	preps = strings.Fields("across under over near beside behind beyond through into toward around after before with without")
	joins = strings.Fields("and but so while because although when")
)

// Words returns a stable list of common lowercase words, the building blocks
// the simulator draws its answers from.
func Words() []string {
	var out []string
	for _, l := range [][]string{nouns, verbs, adjectives, adverbs, preps, determiners} {
		out = append(out, l...)
	}
	return out
}

// Text returns about n words of sentences made from a PCG seeded with seed.
func Text(seed uint64, n int) string {
	r := rand.New(rand.NewPCG(seed, 0x5eed_c0de))
	pick := func(l []string) string { return l[r.IntN(len(l))] }
	var sb strings.Builder
	words := 0
	for words < n {
		s := []string{pick(determiners), pick(adjectives), pick(nouns)}
		if r.IntN(3) == 0 {
			s = append(s, pick(adverbs))
		}
		s = append(s, pick(verbs), pick(determiners), pick(nouns))
		if r.IntN(2) == 0 {
			s = append(s, pick(preps), pick(determiners), pick(adjectives), pick(nouns))
		}
		if r.IntN(3) == 0 {
			s = append(s, pick(joins), pick(determiners), pick(nouns), pick(verbs), pick(determiners), pick(nouns))
		}
		s[0] = strings.ToUpper(s[0][:1]) + s[0][1:]
		if words > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strings.Join(s, " "))
		sb.WriteByte('.')
		words += len(s)
	}
	return sb.String()
}
