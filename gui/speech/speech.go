// Package speech reads a screen aloud, for people who cannot read it: Fyne
// has no screen-reader support on Linux (no AT-SPI), so the window offers
// an "Écouter" button where a speech engine is installed, and hands it the
// screen's text in the chosen language. On Linux it uses espeak-ng, or
// speech-dispatcher's spd-say; on Windows the system voice, through
// PowerShell's System.Speech. With none of them, Find returns nil and the
// window shows no button.
//
// The text goes to the engine on its standard input, never on its command
// line: a document name on the end screen is the public's.
package speech

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"sync"
)

// Voice is a speech engine found on this computer.
type Voice struct {
	engine string // "espeak-ng", "spd-say" or "powershell"
	path   string

	mu      sync.Mutex
	current *exec.Cmd
	stop    context.CancelFunc
}

// Find returns the first speech engine installed, nil for none.
func Find() *Voice {
	names := []string{"espeak-ng", "spd-say"}
	if runtime.GOOS == "windows" {
		names = []string{"powershell.exe"}
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return &Voice{engine: strings.TrimSuffix(n, ".exe"), path: p}
		}
	}
	return nil
}

// Engine names the engine, for the log.
func (v *Voice) Engine() string { return v.engine }

// voices are each window language's voice: espeak-ng's and
// speech-dispatcher's names, and the culture Windows' voices are chosen
// by. Easy-to-read French is French read aloud.
var voices = map[string][3]string{
	"fr":      {"fr-fr", "fr", "fr-FR"},
	"fr-falc": {"fr-fr", "fr", "fr-FR"},
	"en":      {"en-gb", "en", "en-GB"},
	"es":      {"es", "es", "es-ES"},
	"de":      {"de", "de", "de-DE"},
	"it":      {"it", "it", "it-IT"},
	"pt":      {"pt", "pt", "pt-PT"},
	"uk":      {"uk", "uk", "uk-UA"},
}

// windowsSpeak reads standard input aloud with the system voice of the
// culture given as first argument, or the default voice when there is no
// voice for it.
const windowsSpeak = `Add-Type -AssemblyName System.Speech; ` +
	`$s = New-Object System.Speech.Synthesis.SpeechSynthesizer; ` +
	`try { $s.SelectVoiceByHints('NotSet', 'NotSet', 0, [Globalization.CultureInfo]$args[0]) } catch {}; ` +
	`if ($args.Count -gt 1) { $s.SetOutputToWaveFile($args[1]) }; ` +
	`$s.Speak([Console]::In.ReadToEnd())`

// command is the engine's command reading standard input aloud in lang,
// or into the WAV file wav when it is not "" (tests).
func (v *Voice) command(ctx context.Context, lang, wav string) (*exec.Cmd, error) {
	vo, ok := voices[lang]
	if !ok {
		vo = voices["fr"]
	}
	var args []string
	switch v.engine {
	case "espeak-ng":
		args = []string{"-v", vo[0], "--stdin"}
		if wav != "" {
			args = append(args, "-w", wav)
		}
	case "spd-say":
		if wav != "" {
			return nil, fmt.Errorf("spd-say cannot write a sound file")
		}
		args = []string{"-l", vo[1], "-w", "-e"}
	case "powershell":
		args = []string{"-NoProfile", "-NonInteractive", "-Command", windowsSpeak, vo[2]}
		if wav != "" {
			args = append(args, wav)
		}
	}
	return exec.CommandContext(ctx, v.path, args...), nil
}

// Say reads text aloud in lang, and returns at once; a reading already
// going on stops first (a second tap on "Écouter" starts again rather
// than mixing two voices).
func (v *Voice) Say(lang, text string) error {
	v.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := v.command(ctx, lang, "")
	if err != nil {
		cancel()
		return err
	}
	cmd.Stdin = strings.NewReader(text)
	if err := cmd.Start(); err != nil {
		cancel()
		return fmt.Errorf("the speech engine %s does not start (reinstall it, or remove it to hide the Écouter button): %w", v.path, err)
	}
	v.mu.Lock()
	v.current, v.stop = cmd, cancel
	v.mu.Unlock()
	go func() {
		cmd.Wait()
		cancel()
	}()
	return nil
}

// Stop ends the reading going on, if any: the next screen must not be
// talked over by the last one.
func (v *Voice) Stop() {
	v.mu.Lock()
	stop := v.stop
	v.current, v.stop = nil, nil
	v.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// WriteWAV reads text in lang into a WAV file instead of the speakers.
func (v *Voice) WriteWAV(ctx context.Context, lang, text, path string) error {
	cmd, err := v.command(ctx, lang, path)
	if err != nil {
		return err
	}
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", v.path, err, out)
	}
	return nil
}
