package main

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// stringList is a repeatable string flag (--model a --model b).
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// cutoffFlag collects name=probability pairs.
type cutoffFlag map[string]float64

func (c cutoffFlag) String() string { return fmt.Sprint(map[string]float64(c)) }
func (c cutoffFlag) Set(s string) error {
	name, v, ok := strings.Cut(s, "=")
	if !ok {
		return errors.New("want name=probability")
	}
	p, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return err
	}
	c[name] = p
	return nil
}

// windowFlag collects name=inferences pairs (sliding-window overrides).
type windowFlag map[string]int

func (c windowFlag) String() string { return fmt.Sprint(map[string]int(c)) }
func (c windowFlag) Set(s string) error {
	name, v, ok := strings.Cut(s, "=")
	if !ok {
		return errors.New("want name=inferences")
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return err
	}
	c[name] = n
	return nil
}

var (
	_ flag.Value = (*stringList)(nil)
	_ flag.Value = cutoffFlag(nil)
	_ flag.Value = windowFlag(nil)
)
