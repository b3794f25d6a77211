"""The answer engine: a message in, a reply out. No Telegram, no database, no environment.

Adapters (the Telegram bot, the terminal chat) build one `FrontDesk` with
`bot.core.frontdesk.build_front_desk` and render its `Reply`s; nothing in this package imports
them. This file stays empty on purpose: storage and the admin command line import
`bot.core.vocabulary`, and that must not load the matcher and the Bangla libraries.
"""
