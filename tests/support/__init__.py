"""What several test packages share: engine builders and fakes, wheels built in a test, a local venue server.

Tests import helpers from here only, never from another test module.
"""
