// Renderer entry: mounts the app.
import { mount } from 'svelte';
import App from './components/App.svelte';
import './components/app.css';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
mount(App, { target });
