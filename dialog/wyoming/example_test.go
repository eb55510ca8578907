package wyoming_test

import (
	"context"
	"fmt"
	"time"

	"github.com/genie-voice/genie/dialog"
	"github.com/genie-voice/genie/dialog/wyoming"
)

// ExampleNew wires the satellite server to a dialog Link, as cmd/genie does.
func ExampleNew() {
	s, err := wyoming.New(wyoming.Options{
		Listen:     "127.0.0.1:0", // ":10700" on a device
		Name:       "Kitchen speaker",
		Area:       "Kitchen",
		WakeModels: []wyoming.WakeModelInfo{{Name: "hey_genie", Phrase: "hey genie", Languages: []string{"en"}}},
		Logf:       func(string, ...any) {},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	up := make(chan dialog.Up, 64)     // the dialog sends without blocking
	down := make(chan dialog.Down, 16) // the dialog drains it every block
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = s.Run(ctx, dialog.Link{Up: up, Down: down})
	fmt.Println(s.Name(), err)
	// Output: wyoming <nil>
}
