module github.com/genie-voice/genie

go 1.26
