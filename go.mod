module github.com/genie-voice/genie

go 1.26.0

require (
	github.com/go-audio/audio v1.0.0
	github.com/go-audio/wav v1.1.0
	github.com/google/flatbuffers v25.12.19+incompatible
	github.com/gordonklaus/portaudio v0.0.0-20250206071425-98a94950218b
	github.com/grandcat/zeroconf v1.0.0
	go.bug.st/serial v1.8.0
	golang.org/x/image v0.48.0
	golang.org/x/sys v0.50.0
	gopkg.in/yaml.v3 v3.0.1
	periph.io/x/conn/v3 v3.7.3
	periph.io/x/devices/v3 v3.7.4
	periph.io/x/host/v3 v3.8.5
)

require (
	github.com/cenkalti/backoff v2.2.1+incompatible // indirect
	github.com/go-audio/riff v1.0.0 // indirect
	github.com/jonboulle/clockwork v0.5.0 // indirect
	github.com/miekg/dns v1.1.27 // indirect
	golang.org/x/crypto v0.0.0-20191011191535-87dc89f01550 // indirect
	golang.org/x/net v0.0.0-20200114155413-6afb5195e5aa // indirect
)
