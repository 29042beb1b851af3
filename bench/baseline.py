#!/usr/bin/env python3
"""The script gather replaces: asyncio.gather + aiohttp, at most J requests in flight,
printing the first N characters of each page in input order.

Usage: baseline.py [-j J] [-n N] [--cafile PEM] URL_FILE
"""
import argparse
import asyncio
import ssl
import sys

import aiohttp


async def fetch(session, semaphore, url, chars):
    async with semaphore:
        async with session.get(url) as response:
            response.raise_for_status()
            text = await response.text(errors="replace")
            return text[:chars]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-j", type=int, default=50)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--cafile", help="trust this CA (as well as the system's)")
    parser.add_argument("urls")
    args = parser.parse_args()
    with open(args.urls) as f:
        urls = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    semaphore = asyncio.Semaphore(args.j)
    context = ssl.create_default_context()
    if args.cafile:
        context.load_verify_locations(args.cafile)
    connector = aiohttp.TCPConnector(limit=args.j, ssl=context)
    async with aiohttp.ClientSession(connector=connector) as session:
        texts = await asyncio.gather(*(fetch(session, semaphore, u, args.n) for u in urls))
    out = sys.stdout
    for url, text in zip(urls, texts):
        out.write(f"==> {url} <==\n{text}\n")


if __name__ == "__main__":
    asyncio.run(main())
