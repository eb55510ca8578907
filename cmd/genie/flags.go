package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// stringList is a repeatable string flag (--model a --model b).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// perModelFlag collects repeatable name=value pairs (--cutoff okay_nabu=0.9).
type perModelFlag[T any] struct {
	m     map[string]T
	what  string // what the value is, for the error: "probability"
	parse func(string) (T, error)
}

func (f perModelFlag[T]) String() string { return fmt.Sprint(f.m) }
func (f perModelFlag[T]) Set(s string) error {
	name, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want name=%s", f.what)
	}
	x, err := f.parse(v)
	if err != nil {
		return err
	}
	f.m[name] = x
	return nil
}

// cutoffFlag collects name=probability pairs into m.
func cutoffFlag(m map[string]float64) perModelFlag[float64] {
	return perModelFlag[float64]{m, "probability", func(v string) (float64, error) { return strconv.ParseFloat(v, 64) }}
}

// windowFlag collects name=inferences pairs (sliding-window overrides) into m.
func windowFlag(m map[string]int) perModelFlag[int] {
	return perModelFlag[int]{m, "inferences", strconv.Atoi}
}

var (
	_ flag.Value = (*stringList)(nil)
	_ flag.Value = perModelFlag[int]{}
)
