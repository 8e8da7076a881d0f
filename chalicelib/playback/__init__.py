"""Playback: plans, devices, watch sessions, resume positions, signed HLS delivery."""
