module github.com/genie-voice/genie

go 1.26

require github.com/gordonklaus/portaudio v0.0.0-20250206071425-98a94950218b
