package local

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/genie-voice/genie/audio"
	"github.com/genie-voice/genie/audio/wavfile"
	"github.com/genie-voice/genie/dialog"
)

func TestLocalSavesAndEchoes(t *testing.T) {
	dir := t.TempDir()
	u := New(Opts{OutDir: dir, Echo: true, Logf: t.Logf})
	up, down := make(chan dialog.Up, 100), make(chan dialog.Down, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- u.Run(ctx, dialog.Link{Up: up, Down: down}) }()

	up <- dialog.Up{Kind: dialog.UpTurnStart, Turn: 7}
	var b audio.Block
	for i := range 10 {
		for k := range b.Samples {
			b.Samples[k] = int16(i*100 + k)
		}
		up <- dialog.Up{Kind: dialog.UpAudio, Turn: 7, Block: b}
	}
	up <- dialog.Up{Kind: dialog.UpTurnEnd, Turn: 7}

	saved := <-down
	if saved.Kind != dialog.DownSaved || saved.Text != filepath.Join(dir, "utterance-007.wav") {
		t.Fatalf("first answer %+v, want the saved path", saved)
	}
	c, err := wavfile.Load(saved.Text)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Samples) != 1600 || c.Samples[1599] != 900+159 {
		t.Errorf("saved %d samples ending in %d", len(c.Samples), c.Samples[len(c.Samples)-1])
	}
	if d := <-down; d.Kind != dialog.DownReplyStart || d.Format != audio.Canonical {
		t.Fatalf("then %+v, want the reply start", d)
	}
	n := 0
	for d := range down {
		if d.Kind == dialog.DownReplyEnd {
			break
		}
		n += len(d.Samples)
	}
	chime := len(replyChime())
	if want := chime + 1600 + 1600; n != want {
		t.Errorf("reply has %d samples, want chime %d + gap 1600 + echo 1600", n, chime)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLocalIgnoresCancelledTurns(t *testing.T) {
	u := New(Opts{OutDir: t.TempDir()})
	up, down := make(chan dialog.Up, 10), make(chan dialog.Down, 10)
	up <- dialog.Up{Kind: dialog.UpTurnStart, Turn: 1}
	up <- dialog.Up{Kind: dialog.UpTurnCancel, Turn: 1}
	up <- dialog.Up{Kind: dialog.UpTurnEnd, Turn: 1}
	close(up)
	if err := u.Run(context.Background(), dialog.Link{Up: up, Down: down}); err != nil {
		t.Fatal(err)
	}
	if len(down) != 0 {
		t.Errorf("a cancelled turn got %d answers", len(down))
	}
}

func TestLocalReportsUnwritableDir(t *testing.T) {
	u := New(Opts{OutDir: "/proc/genie-cannot-write"})
	up, down := make(chan dialog.Up, 10), make(chan dialog.Down, 10)
	up <- dialog.Up{Kind: dialog.UpTurnStart, Turn: 1}
	up <- dialog.Up{Kind: dialog.UpTurnEnd, Turn: 1}
	close(up)
	u.Run(context.Background(), dialog.Link{Up: up, Down: down})
	if d := <-down; d.Kind != dialog.DownError {
		t.Errorf("got %+v, want an error answer", d)
	}
}

// replyChime is the chime the local upstream starts its answer with.
func replyChime() []int16 { return dialog.NewEarcons()[dialog.EarconReply].Samples }
