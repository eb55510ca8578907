module github.com/genie-voice/genie

go 1.26.0

require (
	github.com/jonboulle/clockwork v0.5.0 // indirect
	go.bug.st/serial v1.8.0 // indirect
	golang.org/x/image v0.48.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	periph.io/x/conn/v3 v3.7.3 // indirect
	periph.io/x/devices/v3 v3.7.4 // indirect
	periph.io/x/host/v3 v3.8.5 // indirect
)
