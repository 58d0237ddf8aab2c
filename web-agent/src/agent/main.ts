document.querySelector('#app')!.textContent = 'agent';
